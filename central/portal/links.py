"""Checking the receipt's profile link at central: the till's signature, the expiry, the purpose, one use only."""

from __future__ import annotations

import time

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central.clock import utc_now
from central.errors import PortalRefused
from central.schema import devices, portal_link_uses
from central.sql import insert_for
from loyalty.profile_link import PURPOSE, ProfileLink, read_link_token, signature_matches


def check_link(connection: Connection, token: str, now_s: float | None = None) -> ProfileLink:
    """The link's customer if the link holds; PortalRefused saying what to do otherwise."""
    try:
        link, body, signature = read_link_token(token)
    except (ValueError, TypeError):
        raise PortalRefused(_("This link is not valid. Sign in with your card number instead.")) from None
    row = connection.execute(
        select(devices.c.token_hash, devices.c.revoked_at).where(devices.c.device_id == link.device_id)
    ).first()
    if (
        row is None
        or not row.token_hash
        or not signature_matches(row.token_hash.encode(), body, signature)
        or link.purpose != PURPOSE
    ):
        raise PortalRefused(_("This link is not valid. Sign in with your card number instead."))
    if link.expires_s < (time.time() if now_s is None else now_s):
        raise PortalRefused(
            _("This link has expired. Sign in with your card number, or ask at the till for a new receipt.")
        )
    used = connection.execute(select(portal_link_uses.c.used_at).where(portal_link_uses.c.nonce == link.nonce)).first()
    if used is not None:
        raise PortalRefused(
            _("This link was already used to complete your profile. Sign in with your card number to see your account.")
        )
    return link


def use_link(connection: Connection, link: ProfileLink) -> None:
    """Spend the link (in the transaction that saves the profile): a second use is refused."""
    inserted = connection.execute(
        insert_for(connection, portal_link_uses)
        .values(nonce=link.nonce, customer_id=link.customer_id, used_at=utc_now())
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(portal_link_uses.c.nonce)
    ).first()
    if inserted is None:
        raise PortalRefused(
            _("This link was already used to complete your profile. Sign in with your card number to see your account.")
        )
