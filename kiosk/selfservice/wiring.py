"""Builds the kiosk screen for a running service: its rewards file, printer, central client and verifier."""

from __future__ import annotations

from kiosk.domain import business_clock
from kiosk.domain.expiry import ExpiryNotice
from kiosk.phonecard import verifier_from_config
from kiosk.selfservice.online import central_for
from kiosk.selfservice.rewards import RewardsFile
from kiosk.selfservice.screen import KioskScreen
from kiosk.standing import receipt_notice
from kiosk.sync.offline import OfflineLimits


def build_screen(service) -> KioskScreen:
    config = service.config
    devices = service.devices
    central = central_for(config)

    def online() -> bool:
        return central is not None and service.sync_state().get("state") not in ("offline", "not_enrolled")

    screen = KioskScreen(
        service.store, RewardsFile.in_dir(config.data_dir), device_id=config.device.id,
        redeem_per_day=config.selfservice.redeem_per_day, consent_version=config.selfservice.consent_version,
        central=central, print_receipt=devices.print if devices is not None else None,
        receipt_for=lambda **kw: voucher_receipt(config, **kw),
        offline_limits=OfflineLimits.from_config(config.central),
        online=online, verifier=verifier_from_config(config), reference=service.till.reference)
    screen.follow(service.bus)
    return screen


def voucher_receipt(config, *, event, reward, balance: int, code: str | None, expiring: ExpiryNotice | None = None):
    """The slip the kiosk prints: for the till (in-house product) or the partner voucher code with its QR;
    with the points expiring soon under the balance when there are some."""
    from hardware import Receipt

    printed_at = business_clock.now_datetime().strftime("%d/%m/%Y %H:%M")
    notice = receipt_notice(expiring)
    if code is None:
        return Receipt.for_shop(config.shop, receipt_id=event.event_id, title="Bon à présenter en caisse",
                                printed_at=printed_at, lines=((reward.name, f"x{event.quantity}"),),
                                points_used=event.points, balance=balance, qr_url=f"RDM:{event.event_id}",
                                qr_caption=event.event_id[:8].upper(), **notice)
    return Receipt.for_shop(config.shop, receipt_id=event.event_id, title="Bon partenaire",
                            printed_at=printed_at, lines=((reward.name, ""), ("Code", code)),
                            points_used=event.points, balance=balance, qr_url=code, qr_caption=code, **notice)
