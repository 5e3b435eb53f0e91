"""Signing in to the portal: the card number, then a one-time code sent to the customer's e-mail.

Codes are six digits, kept hashed with the customer id for ten minutes, five tries; asking again replaces
the code. The answer to a card number never says whether the card exists beyond what the shopper needs.
"""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import Connection, delete, select, update

from central.clock import epoch_s
from central.errors import PortalRefused
from central.schema import cards, customers, portal_codes
from central.sql import insert_for

CODE_TTL_S = 600
MAX_ATTEMPTS = 5


def _hash(customer_id: str, code: str) -> str:
    return hashlib.sha256(f"{customer_id}:{code}".encode()).hexdigest()


def customer_of_card(connection: Connection, card_number: str):
    """The customer row of a usable card; PortalRefused otherwise."""
    card_number = (card_number or "").strip()
    row = (
        connection.execute(
            select(customers, cards.c.blocked)
            .join(cards, cards.c.customer_id == customers.c.customer_id)
            .where(cards.c.card_uid == card_number)
        ).first()
        if 0 < len(card_number) <= 64
        else None
    )
    if row is None or row.erased:
        raise PortalRefused(_("This card number is not known. Check the number printed on your card."))
    if row.blocked:
        raise PortalRefused(_("This card is blocked. Sign in with your new card, or ask at the till."))
    return row


def new_code(connection: Connection, card_number: str) -> tuple[str, str, str]:
    """(customer id, e-mail, code) for a card whose customer has an e-mail address."""
    row = customer_of_card(connection, card_number)
    if not row.email:
        raise PortalRefused(
            _(
                "No e-mail address is on file for this card: complete your profile with the link on "
                "your receipt, or ask at the till."
            )
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    values = {"code_hash": _hash(row.customer_id, code), "expires_at": epoch_s() + CODE_TTL_S, "attempts": 0}
    statement = insert_for(connection, portal_codes).values(customer_id=row.customer_id, **values)
    connection.execute(statement.on_conflict_do_update(index_elements=["customer_id"], set_=values))
    return row.customer_id, row.email, code


def check_code(connection: Connection, card_number: str, code: str) -> str:
    """The signed-in customer id if the code is right; each wrong try counts, a used code is gone."""
    row = customer_of_card(connection, card_number)
    stored = connection.execute(select(portal_codes).where(portal_codes.c.customer_id == row.customer_id)).first()
    if stored is None or stored.expires_at < epoch_s() or stored.attempts >= MAX_ATTEMPTS:
        raise PortalRefused(_("This code has expired or was tried too often. Ask for a new code."))
    if not secrets.compare_digest(stored.code_hash, _hash(row.customer_id, (code or "").strip())):
        connection.execute(
            update(portal_codes)
            .where(portal_codes.c.customer_id == row.customer_id)
            .values(attempts=portal_codes.c.attempts + 1)
        )
        raise PortalWrongCode(_("This code is not the one we sent. Check the e-mail and try again."))
    connection.execute(delete(portal_codes).where(portal_codes.c.customer_id == row.customer_id))
    return row.customer_id


class PortalWrongCode(PortalRefused):
    """A wrong code: the try is counted (so the transaction that counted it must commit)."""
