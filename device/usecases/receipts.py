"""The shop's receipts, built one way for the till and the kiosk: the shop's header, the local time, and the
points expiring soon under the balance. The till's sale, refund and reward receipts and the kiosk's slips
all come from `shop_receipt`."""

from __future__ import annotations

from device.config import Config
from device.standing import receipt_notice
from loyalty.domain import business_clock
from loyalty.domain.expiry import ExpiryNotice

#: Titles of the receipts, as printed (the receipt is in the shop's language, French).
SALE = "Achat"
REFUND = "Remboursement"
REWARD = "Cadeau"
POOL_REWARD = "Cadeau (cagnotte)"
WELCOME = "Bienvenue"
SLIP_FOR_TILL = "Bon à présenter en caisse"
PARTNER_SLIP = "Bon partenaire"
PROFILE_QR_CAPTION = "Complétez votre profil"


def euros(cents: int) -> str:
    """Cents as a receipt line writes them: 1234 → '12,34 €'."""
    return f"{cents // 100},{cents % 100:02d} €"


def shop_receipt(
    config: Config,
    *,
    receipt_id: str,
    title: str,
    lines: tuple[tuple[str, str], ...] | list,
    expiring: ExpiryNotice | None = None,
    **fields: object,
):
    """A receipt of this shop printed now, with the expiry notice under the balance when points expire soon."""
    from hardware import Receipt

    return Receipt.for_shop(
        config.shop,
        receipt_id=receipt_id,
        title=title,
        printed_at=business_clock.now_datetime().strftime("%d/%m/%Y %H:%M"),
        lines=tuple(lines),
        **fields,
        **receipt_notice(expiring),
    )


def redemption_slip(
    config: Config, *, event, reward, balance: int, code: str | None, expiring: ExpiryNotice | None = None
):
    """The kiosk's slip: for the till (an in-house product) or the partner voucher's code with its QR."""
    if code is None:
        return shop_receipt(
            config,
            receipt_id=event.event_id,
            title=SLIP_FOR_TILL,
            lines=((reward.name, f"x{event.quantity}"),),
            points_used=event.points,
            balance=balance,
            qr_url=f"RDM:{event.event_id}",
            qr_caption=event.event_id[:8].upper(),
            expiring=expiring,
        )
    return shop_receipt(
        config,
        receipt_id=event.event_id,
        title=PARTNER_SLIP,
        lines=((reward.name, ""), ("Code", code)),
        points_used=event.points,
        balance=balance,
        qr_url=code,
        qr_caption=code,
        expiring=expiring,
    )
