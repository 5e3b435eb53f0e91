"""A customer's recent operations as central holds them from every device: earns, redemptions, refunds, vouchers.

The kiosk shows them as "last operations", so they stay right after its own events were synced and pruned.
Only ids, kinds, times, points and voucher codes leave central: nothing personal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from central.errors import NotFound
from central.schema import customers, events
from loyalty.errors import InvalidAmount

#: Event types shown, with the kind the kiosk screen knows them by.
KINDS = {"PointsEarned": "earned", "PointsRedeemed": "redeemed", "EarnReversed": "reversed", "VoucherIssued": "voucher"}
MAX_OPERATIONS = 50


@dataclass(frozen=True)
class RecentOperation:
    """One line of a customer's history: the event id lets a device drop its own copy of the same event."""

    event_id: str
    kind: str
    at: str
    points: int
    code: str | None = None


def recent_operations(connection: Connection, customer_id: str, limit: int) -> list[RecentOperation]:
    """The customer's latest operations, newest first (by arrival at central), at most `limit`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_OPERATIONS:
        raise InvalidAmount(f"limit is a whole number from 1 to {MAX_OPERATIONS}")
    row = connection.execute(select(customers.c.erased).where(customers.c.customer_id == customer_id)).first()
    if row is None or row.erased:
        raise NotFound(f"no customer {customer_id!r}")
    rows = connection.execute(
        select(events.c.type, events.c.payload)
        .where(events.c.customer_id == customer_id, events.c.type.in_(tuple(KINDS)))
        .order_by(events.c.id.desc())
        .limit(limit)
    )
    found = []
    for kind, payload in rows:
        record = json.loads(payload)
        points = 0 if kind == "VoucherIssued" else int(record.get("points", 0))
        found.append(
            RecentOperation(
                record["event_id"],
                KINDS[kind],
                str(record.get("at", "")),
                points,
                record.get("code") if kind == "VoucherIssued" else None,
            )
        )
    return found
