"""Central's view of pools: a pool's balance, members and history, folded from its events with the domain rules.

Membership set from the back office is recorded as ordinary events from device `central` and ingested like
a device push (so members' balances and the devices' pull stay right). A member of one pool is moved to another
explicitly (`move_member`: a `PoolLeft` then a `PoolJoined`); adding them to a second pool is refused. Current
members are read from `pool_memberships`, the table the devices pull, so central and every device count the
same members; the history is folded from the pool's events, picked by their pool id in the stored payload.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from central.clock import utc_now
from central.devices import CENTRAL_DEVICE_ID
from central.errors import NotFound
from central.ingest import ingest
from central.schema import audit, customers, events, pool_balances, pool_memberships
from loyalty.domain import pools
from loyalty.domain.events import PoolLeft, from_record
from loyalty.domain.ledger import Ledger
from loyalty.errors import PoolRefused

POOL_EVENT_TYPES = ("PoolJoined", "PoolLeft", "PoolContributed", "PoolContributionReversed", "PoolRedeemed")
MAX_HISTORY = 200


@dataclass(frozen=True)
class PoolMember:
    customer_id: str
    share_pct: int


@dataclass(frozen=True)
class PoolState:
    """A pool now: its points, current members, and its latest events (ids and amounts only)."""

    pool_id: str
    points: int
    members: tuple[PoolMember, ...]
    history: tuple[dict[str, object], ...]


def _pool_ledger(connection: Connection, pool_id: str) -> tuple[Ledger, list]:
    marker = f'"pool_id":"{pool_id}"'  # payloads are compact JSON; pool ids hold no characters JSON escapes
    rows = connection.execute(
        select(events.c.payload)
        .where(events.c.type.in_(POOL_EVENT_TYPES), events.c.payload.contains(marker))
        .order_by(events.c.id)
    )
    found = [e for e in (from_record(json.loads(r.payload)) for r in rows) if e.pool_id == pool_id]
    return Ledger.fold(found), found


def pool_state(connection: Connection, pool_id: str) -> PoolState:
    pool_id = pools.check_pool_id(pool_id)
    ledger, found = _pool_ledger(connection, pool_id)
    if not found:
        raise NotFound(f"no pool {pool_id!r}")
    members = tuple(
        PoolMember(r.customer_id, r.share_pct)
        for r in connection.execute(
            select(pool_memberships.c.customer_id, pool_memberships.c.share_pct)
            .where(pool_memberships.c.pool_id == pool_id)
            .order_by(pool_memberships.c.customer_id)
        )
    )
    history = tuple(
        {
            "type": e.type,
            "event_id": e.event_id,
            "customer_id": e.customer_id,
            "at": e.at,
            "points": getattr(e, "points", None),
        }
        for e in found[-MAX_HISTORY:]
    )
    return PoolState(pool_id, ledger.pool_balance(pool_id), members, history)


def pool_of_customer(connection: Connection, customer_id: str) -> PoolState | None:
    """The pool a customer gives to now (for the member's screen), or None; from the table devices pull."""
    pool_id = connection.execute(
        select(pool_memberships.c.pool_id).where(pool_memberships.c.customer_id == customer_id)
    ).scalar()
    return pool_state(connection, pool_id) if pool_id else None


def _memberships(connection: Connection, customer_id: str) -> Ledger:
    """A Ledger holding just this customer's current membership, for the domain's rules."""
    ledger = Ledger()
    row = connection.execute(
        select(pool_memberships).where(
            pool_memberships.c.customer_id == customer_id, pool_memberships.c.pool_id.is_not(None)
        )
    ).first()
    if row is not None:
        ledger.pool_members.setdefault(row.pool_id, {})[customer_id] = row.share_pct
        ledger.member_pool[customer_id] = row.pool_id
    return ledger


def set_member(connection: Connection, pool_id: str, customer_id: str, share_pct: object, actor: str) -> None:
    """Make a customer a member giving `share_pct` percent of each earn, or change a member's share.

    A member of another pool is refused (PoolRefused): moving them is `move_member`, said explicitly.
    """
    _known_customer(connection, customer_id)
    joined = pools.join(
        _memberships(connection, customer_id),
        device_id=CENTRAL_DEVICE_ID,
        pool_id=pool_id,
        customer_id=customer_id,
        share_pct=share_pct,
    )  # type: ignore[arg-type]
    ingest(connection, [joined], None)
    _audit(connection, actor, "pool_join", pool_id, f"customer {customer_id} share {joined.share_pct}%")


def move_member(connection: Connection, to_pool: str, customer_id: str, share_pct: object, actor: str) -> str:
    """Move a member from their pool to `to_pool` at `share_pct`; returns the pool they left."""
    _known_customer(connection, customer_id)
    left, joined = pools.move(
        _memberships(connection, customer_id),
        device_id=CENTRAL_DEVICE_ID,
        customer_id=customer_id,
        to_pool=to_pool,
        share_pct=share_pct,
    )  # type: ignore[arg-type]
    ingest(connection, [left, joined], None)
    _audit(
        connection, actor, "pool_move", to_pool, f"customer {customer_id} from {left.pool_id} share {joined.share_pct}%"
    )
    return left.pool_id


def close_pool(connection: Connection, pool_id: str, actor: str) -> int:
    """Every member leaves: nobody gives to the pool or spends it any more; its history stays. Returns how many."""
    state = pool_state(connection, pool_id)
    if state.members:
        ingest(
            connection,
            [PoolLeft(device_id=CENTRAL_DEVICE_ID, pool_id=pool_id, customer_id=m.customer_id) for m in state.members],
            None,
        )
    _audit(connection, actor, "pool_close", pool_id, f"{len(state.members)} member(s) left, {state.points} points")
    return len(state.members)


@dataclass(frozen=True)
class PoolLine:
    """One pool in the back office's list."""

    pool_id: str
    points: int
    members: int


def member_counts(connection: Connection, pool_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Current members of each pool (of `pool_ids`, or of every pool), as the back office and devices see it.

    Every join and leave is ingested as a pool event, which gives the pool's balance row a new version, so a
    device pulling that row gets the new count (with a store's share, it does not hold every member).
    """
    query = (
        select(pool_memberships.c.pool_id, func.count())
        .where(pool_memberships.c.pool_id.is_not(None))
        .group_by(pool_memberships.c.pool_id)
    )
    if pool_ids is not None:
        wanted = sorted(set(pool_ids))
        if not wanted:
            return {}
        query = query.where(pool_memberships.c.pool_id.in_(wanted))
    return {pool_id: count for pool_id, count in connection.execute(query)}


def list_pools(connection: Connection) -> list[PoolLine]:
    """Every pool central knows, with its balance and current member count."""
    counts = member_counts(connection)
    rows = connection.execute(select(pool_balances.c.pool_id, pool_balances.c.points).order_by(pool_balances.c.pool_id))
    return [PoolLine(r.pool_id, r.points, counts.get(r.pool_id, 0)) for r in rows]


def remove_member(connection: Connection, pool_id: str, customer_id: str, actor: str) -> None:
    """End a membership; what the member gave stays in the pool."""
    state = pool_state(connection, pool_id)
    if customer_id not in {m.customer_id for m in state.members}:
        raise PoolRefused("this customer is not a member of this pool")
    ingest(connection, [PoolLeft(device_id=CENTRAL_DEVICE_ID, pool_id=pool_id, customer_id=customer_id)], None)
    _audit(connection, actor, "pool_leave", pool_id, f"customer {customer_id}")


def _known_customer(connection: Connection, customer_id: str) -> None:
    row = connection.execute(select(customers.c.erased).where(customers.c.customer_id == customer_id)).first()
    if row is None or row.erased:
        raise NotFound(f"no customer {customer_id!r}")


def _audit(connection: Connection, actor: str, action: str, subject: str, detail: str) -> None:
    connection.execute(audit.insert().values(at=utc_now(), actor=actor, action=action, subject=subject, detail=detail))
