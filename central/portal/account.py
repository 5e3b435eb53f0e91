"""What a signed-in shopper does in the portal: read their account, turn points into a partner voucher,
complete their profile, withdraw consent, ask for erasure. Every change is an event of the `portal` channel
folded by the same ingest path as the tills."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central import vouchers
from central.backoffice import audit
from central.backoffice.customer_service import CustomerFile, customer_file
from central.errors import PortalRefused
from central.ingest import ingest
from central.orders import channel_device
from central.schema import catalogue, customers, voucher_codes
from loyalty.domain.customers import clean_first_name, normalise_email, normalise_phone
from loyalty.domain.events import ConsentChanged, PointsRedeemed, ProfileUpdated, VoucherIssued
from loyalty.domain.rewards import IssuedVoucher
from loyalty.errors import InsufficientPoints, InvalidCustomerText

PORTAL_DEVICE = channel_device("portal")
#: The consent text version the portal shows (the tills' is in their configuration).
CONSENT_VERSION = "portal-1"


def account(connection: Connection, customer_id: str, today: date) -> CustomerFile:
    row = connection.execute(select(customers).where(customers.c.customer_id == customer_id)).first()
    if row is None or row.erased:
        raise PortalRefused(_("This account is closed."))
    return customer_file(connection, row, today)


def rewards(connection: Connection) -> list:
    return list(
        connection.execute(
            select(catalogue)
            .where(catalogue.c.active.is_(True))
            .order_by(catalogue.c.kind.desc(), catalogue.c.points_price)
        )
    )


def convert_points(connection: Connection, customer_id: str, reward_id: str, request_id: str) -> IssuedVoucher:
    """Spend points on a partner voucher; the same request (form) sent twice gives the same code, once."""
    existing = connection.execute(
        select(voucher_codes).where(voucher_codes.c.redemption_event_id == request_id)
    ).first()
    if existing is not None:
        if existing.customer_id != customer_id:
            raise PortalRefused(_("This request is not yours; reload the page."))
        return IssuedVoucher(existing.partner, existing.code, existing.face_value_cents, request_id)
    reward = connection.execute(
        select(catalogue).where(catalogue.c.reward_id == reward_id, catalogue.c.active.is_(True))
    ).first()
    if reward is None or reward.kind != "partner_voucher" or not reward.partner:
        raise PortalRefused(_("This voucher is no longer offered; reload the page."))
    balance = connection.execute(select(customers.c.points).where(customers.c.customer_id == customer_id)).scalar_one()
    if reward.points_price > balance:
        raise InsufficientPoints(
            _("This voucher costs %(price)s points; you have %(balance)s.", price=reward.points_price, balance=balance)
        )
    redeemed = PointsRedeemed(
        event_id=request_id,
        device_id=PORTAL_DEVICE,
        customer_id=customer_id,
        reward_id=reward.reward_id,
        reward_kind="partner_voucher",
        points=reward.points_price,
    )
    issued = vouchers.issue(connection, reward.partner, customer_id, PORTAL_DEVICE, request_id)
    ingest(
        connection,
        [
            redeemed,
            VoucherIssued(
                device_id=PORTAL_DEVICE,
                customer_id=customer_id,
                redemption_event_id=request_id,
                partner=issued.partner,
                code=issued.code,
                face_value_cents=issued.face_value_cents,
            ),
        ],
        None,
    )
    return issued


def save_profile(connection: Connection, customer_id: str, form: dict, consent: bool) -> None:
    """The fields the shopper typed (empty ones left as they were) and their consent, from the portal."""
    fields = {}
    for name, limit in (("first_name", 100), ("last_name", 100), ("email", 254), ("phone", 30)):
        value = (form.get(name) or "").strip()
        if len(value) > limit:
            raise PortalRefused(_("A field is too long."))
        if value:
            fields[name] = value
    if "first_name" in fields:
        try:  # the one first-name rule of the till and the kiosk
            fields["first_name"] = clean_first_name(fields["first_name"])
        except InvalidCustomerText:
            raise PortalRefused(_("A first name is written in letters (and ' - .), 40 at most.")) from None
    if "email" in fields:
        if "@" not in fields["email"] or " " in fields["email"]:
            raise PortalRefused(_("This e-mail address does not look right."))
        fields["email"] = normalise_email(fields["email"])
    if "phone" in fields and not 6 <= len(normalise_phone(fields["phone"])) <= 15:
        raise PortalRefused(_("This phone number does not look right."))
    made = []
    if fields:
        made.append(ProfileUpdated(device_id=PORTAL_DEVICE, customer_id=customer_id, **fields))
    made.append(
        ConsentChanged(
            device_id=PORTAL_DEVICE,
            customer_id=customer_id,
            granted=consent,
            text_version=CONSENT_VERSION,
            channel="online",
        )
    )
    ingest(connection, made, None)


def withdraw_consent(connection: Connection, customer_id: str) -> None:
    ingest(
        connection,
        [
            ConsentChanged(
                device_id=PORTAL_DEVICE,
                customer_id=customer_id,
                granted=False,
                text_version=CONSENT_VERSION,
                channel="online",
            )
        ],
        None,
    )


def request_erasure(connection: Connection, customer_id: str) -> None:
    """Recorded for head office, who erase from the customer's page (the audit trail shows the request)."""
    audit.record(connection, "portal", "customer.erasure_request", customer_id, None, None)
