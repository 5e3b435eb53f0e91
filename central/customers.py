"""Back-office actions on customers and cards: export, erasure, blocking and replacing a card.

Each action is recorded as an ordinary event from device `central` and folded by the same ingest path
as device pushes, and written to the audit table (ids only, no personal data).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from central.clock import utc_now
from central.devices import CENTRAL_DEVICE_ID
from central.errors import BadRequest, Conflict, NotFound
from central.ingest import ingest
from central.schema import audit, cards, customers, events, voucher_codes
from loyalty.domain.events import CardBlocked, CardLinked, CustomerErased

MAX_UID = 64


def _audit(connection: Connection, actor: str, action: str, subject: str, detail: str = "") -> None:
    connection.execute(audit.insert().values(at=utc_now(), actor=actor, action=action, subject=subject, detail=detail))


def _customer_row(connection: Connection, customer_id: str):
    row = connection.execute(select(customers).where(customers.c.customer_id == customer_id)).first()
    if row is None:
        raise NotFound(f"no customer {customer_id!r}")
    return row


def export_customer(connection: Connection, customer_id: str) -> dict[str, Any]:
    """Everything central holds about one customer, as JSON (subject access request)."""
    row = _customer_row(connection, customer_id)
    history = [
        json.loads(r.payload) | {"received_at": r.received_at, "review": bool(r.review)}
        for r in connection.execute(select(events).where(events.c.customer_id == customer_id).order_by(events.c.id))
    ]
    return {
        "customer_id": customer_id,
        "profile": {k: getattr(row, k) for k in ("first_name", "last_name", "phone", "email")},
        "erased": bool(row.erased),
        "points": row.points,
        "consent_history": [e for e in history if e["type"] == "ConsentChanged"],
        "cards": [
            {"card_uid": c.card_uid, "blocked": bool(c.blocked)}
            for c in connection.execute(select(cards).where(cards.c.customer_id == customer_id))
        ],
        "vouchers": [
            {"partner": v.partner, "code": v.code, "face_value_cents": v.face_value_cents, "issued_at": v.issued_at}
            for v in connection.execute(select(voucher_codes).where(voucher_codes.c.customer_id == customer_id))
        ],
        "events": history,
        "exported_at": utc_now(),
    }


def erase_customer(connection: Connection, customer_id: str, actor: str) -> None:
    """Erase the customer's personal data here and, at their next pull, on every device."""
    _customer_row(connection, customer_id)
    ingest(connection, [CustomerErased(device_id=CENTRAL_DEVICE_ID, customer_id=customer_id)], None)
    _audit(connection, actor, "erase", customer_id)


def _check_uid(uid: object) -> str:
    if not isinstance(uid, str) or not uid or len(uid) > MAX_UID or not uid.isprintable():
        raise BadRequest(f"a card uid must be 1 to {MAX_UID} printable characters")
    return uid


def _card_row(connection: Connection, uid: str):
    row = connection.execute(select(cards).where(cards.c.card_uid == uid)).first()
    if row is None:
        raise NotFound("no such card")
    return row


def block_card(connection: Connection, card_uid: str, reason: str, actor: str) -> None:
    uid = _check_uid(card_uid)
    _card_row(connection, uid)
    if not isinstance(reason, str) or not 0 < len(reason) <= 200:
        raise BadRequest("reason must be 1 to 200 characters (lost, stolen, damaged...)")
    ingest(connection, [CardBlocked(device_id=CENTRAL_DEVICE_ID, card_uid=uid, reason=reason)], None)
    _audit(connection, actor, "block_card", uid, reason)


def replace_card(connection: Connection, old_uid: str, new_uid: object, actor: str) -> str:
    """Block a lost card and link a new one to the same customer; the balance stays with the customer."""
    old_uid = _check_uid(old_uid)
    new_uid = _check_uid(new_uid)
    old = _card_row(connection, old_uid)
    if not old.customer_id:
        raise Conflict("this card is not linked to a customer")
    taken = connection.execute(select(cards.c.customer_id).where(cards.c.card_uid == new_uid)).first()
    if taken is not None:
        raise Conflict("the new card is already known; use a blank card")
    ingest(
        connection,
        [
            CardBlocked(device_id=CENTRAL_DEVICE_ID, card_uid=old_uid, reason="replaced"),
            CardLinked(device_id=CENTRAL_DEVICE_ID, customer_id=old.customer_id, card_uid=new_uid),
        ],
        None,
    )
    _audit(connection, actor, "replace_card", old_uid, f"new card {new_uid}")
    return old.customer_id
