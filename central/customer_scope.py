"""Which customers each store's devices hold, decided at central and sent by the pull.

A customer is in a store's scope while they shop there (any event a device of the store records for them),
are assigned to it (`assign`, never expires), or were looked up there (a card or a selected search result,
`central.api.lookup`). An entry not seen for `scope_days` leaves the scope (`expire`, run by the store's
pull): its row is marked removed with a new version, and the pull tells the store's devices to drop the
customer. Entering or re-entering takes a new version too, so the pull sends the customer's whole row
(with cards and pool) then; an entry merely seen again only moves `last_seen`.

The scope is kept whatever central's `device_scope` setting says; only with "store" does the pull follow it.
A device enrolled without a store id holds the whole chain (a shop that has not split itself into stores):
it has no scope rows, and its pull reads every customer, with the same least data.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, select, update

from central.clock import utc_now, utc_seconds_ago
from central.devices import CENTRAL_DEVICE_ID
from central.schema import customer_scope, devices
from central.sql import Versions, insert_for
from loyalty.domain.events import Event

ACTIVITY = "activity"
LOOKUP = "lookup"
ASSIGNED = "assigned"
#: An entry already seen within this many seconds is not written again (one write a day at most per entry).
_SEEN_AGAIN_S = 24 * 3600


def store_of(connection: Connection, device_id: str) -> str | None:
    """The store a device holds customers for, or None: a device without a store id holds the whole chain."""
    return connection.execute(select(devices.c.store_id).where(devices.c.device_id == device_id)).scalar()


def touch(
    connection: Connection, store: str, customer_ids: Iterable[str], reason: str, versions: Versions | None = None
) -> int:
    """Put customers in (or keep them in) a store's scope; returns how many entered it now.

    Without `versions` the change counter is locked only when a customer enters, so a look-up of a customer
    the store already holds does not wait for pushes.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    now = utc_now()
    existing = {
        row.customer_id: row
        for row in connection.execute(
            select(customer_scope).where(customer_scope.c.store_key == store, customer_scope.c.customer_id.in_(ids))
        )
    }
    entering = [cid for cid in ids if cid not in existing or existing[cid].removed]
    own = versions is None and bool(entering)
    if own:
        versions = Versions(connection)
    fresh = [
        {
            "store_key": store,
            "customer_id": cid,
            "reason": reason,
            "last_seen": now,
            "removed": False,
            "version": versions.next(),
        }
        for cid in ids
        if cid not in existing
    ]
    if fresh:  # another instance may insert the same entry first: it then holds a version of its own
        connection.execute(
            insert_for(connection, customer_scope).on_conflict_do_nothing(index_elements=["store_key", "customer_id"]),
            fresh,
        )
    seen_before = utc_seconds_ago(_SEEN_AGAIN_S)
    for cid, row in existing.items():
        kept_reason = ASSIGNED if ASSIGNED in (row.reason, reason) else reason
        values: dict[str, object] = {}
        if row.removed:
            values = {"removed": False, "version": versions.next(), "last_seen": now, "reason": kept_reason}
        elif row.last_seen < seen_before or kept_reason != row.reason:
            values = {"last_seen": now, "reason": kept_reason}
        if values:
            connection.execute(
                update(customer_scope)
                .where(customer_scope.c.store_key == store, customer_scope.c.customer_id == cid)
                .values(**values)
            )
    if own:
        versions.save()
    return len(entering)


def touch_activity(connection: Connection, fresh: Iterable[Event], versions: Versions) -> None:
    """Each device event about a customer keeps that customer in the scope of the device's store."""
    wanted: dict[str, set[str]] = {}
    for event in fresh:
        cid = getattr(event, "customer_id", None)
        if cid and event.device_id != CENTRAL_DEVICE_ID:
            wanted.setdefault(event.device_id, set()).add(cid)
    if not wanted:
        return
    stores = dict(
        connection.execute(
            select(devices.c.device_id, devices.c.store_id).where(
                devices.c.device_id.in_(sorted(wanted)), devices.c.store_id.is_not(None)
            )
        ).all()
    )
    by_store: dict[str, set[str]] = {}
    for device_id, ids in wanted.items():
        if device_id in stores:
            by_store.setdefault(stores[device_id], set()).update(ids)
    for store in sorted(by_store):
        touch(connection, store, by_store[store], ACTIVITY, versions)


def assign(connection: Connection, store: str, customer_id: str) -> None:
    """Keep a customer in a store's scope for good (their home store), whatever their activity."""
    touch(connection, store, [customer_id], ASSIGNED)


def expire(connection: Connection, store: str, days: int) -> int:
    """Remove from a store's scope the entries not seen for `days` (assigned ones stay); returns how many."""
    stale = and_(
        customer_scope.c.store_key == store,
        customer_scope.c.removed.is_(False),
        customer_scope.c.reason != ASSIGNED,
        customer_scope.c.last_seen < utc_seconds_ago(days * 86400),
    )
    if connection.execute(select(customer_scope.c.customer_id).where(stale).limit(1)).first() is None:
        return 0  # the common case: no lock on the change counter for a pull
    versions = Versions(connection)
    ids = list(
        connection.execute(
            select(customer_scope.c.customer_id).where(stale).order_by(customer_scope.c.customer_id)
        ).scalars()
    )
    for cid in ids:
        connection.execute(
            update(customer_scope)
            .where(customer_scope.c.store_key == store, customer_scope.c.customer_id == cid)
            .values(removed=True, version=versions.next())
        )
    versions.save()
    return len(ids)
