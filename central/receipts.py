"""A receipt is credited once per store: central's claim on (store, receipt reference), and look-ups by receipt.

A till answers a receipt it already credited itself; this is the same rule across the tills of one store.
The first earn pushed for a (store, receipt) holds the claim (a primary key, so two central instances
agree); a later earn of the same receipt from another device of the store is stored, not credited, and
flagged for review. A device's store is the `store_id` it gave at enrolment, else the device alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sqlalchemy import Connection, select, tuple_

from central.schema import devices, earns, events, receipt_claims
from central.sql import insert_for
from loyalty.domain.events import PointsEarned

log = logging.getLogger(__name__)


def store_key_of(connection: Connection, device_id: str) -> str:
    """The store a device stands in: its enrolled store id, else its own id."""
    store = connection.execute(select(devices.c.store_id).where(devices.c.device_id == device_id)).scalar()
    return store or device_id


def store_devices(connection: Connection, device_id: str) -> list[str]:
    """Every device of the asking device's store (itself included)."""
    store = connection.execute(select(devices.c.store_id).where(devices.c.device_id == device_id)).scalar()
    if not store:
        return [device_id]
    return list(connection.execute(select(devices.c.device_id).where(devices.c.store_id == store)).scalars())


def claim(connection: Connection, earned: Sequence[PointsEarned]) -> set[str]:
    """Claim each earn's receipt for its store; returns the ids of the earns whose receipt another earn holds."""
    if not earned:
        return set()
    stores = {d: store_key_of(connection, d) for d in {e.device_id for e in earned}}
    rows = [
        {
            "store_key": stores[e.device_id],
            "receipt_ref": e.receipt_ref,
            "earn_event_id": e.event_id,
            "device_id": e.device_id,
        }
        for e in earned
    ]
    connection.execute(
        insert_for(connection, receipt_claims).on_conflict_do_nothing(index_elements=["store_key", "receipt_ref"]), rows
    )
    keys = {(r["store_key"], r["receipt_ref"]) for r in rows}
    holders = dict(
        ((store, ref), event_id)
        for store, ref, event_id in connection.execute(
            select(receipt_claims.c.store_key, receipt_claims.c.receipt_ref, receipt_claims.c.earn_event_id).where(
                tuple_(receipt_claims.c.store_key, receipt_claims.c.receipt_ref).in_(keys)
            )
        )
    )
    refused = {r["earn_event_id"] for r in rows if holders[(r["store_key"], r["receipt_ref"])] != r["earn_event_id"]}
    if refused:
        log.warning("%d earn(s) of a receipt already credited in the same store: not credited, flagged", len(refused))
    return refused


def earn_in_store(connection: Connection, device_id: str, receipt_ref: str) -> dict | None:
    """The credited earn of this receipt in the asking device's store, with its refunds so far, or None."""
    found = connection.execute(
        select(earns, events.c.device_id, events.c.payload)
        .join(events, events.c.event_id == earns.c.event_id)
        .where(
            earns.c.receipt_ref == receipt_ref,
            events.c.device_id.in_(store_devices(connection, device_id)),
            events.c.review.is_(False),
        )
        .order_by(events.c.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    return {
        "event_id": found.event_id,
        "customer_id": found.customer_id,
        "receipt_ref": found.receipt_ref,
        "amount_cents": found.amount_cents,
        "points": found.points,
        "refunded_cents": found.refunded_cents,
        "reversed_points": found.reversed_points,
        "device_id": found.device_id,
        "day": json.loads(found.payload)["at"][:10],
    }
