"""Pull: pages of the device's customers (least data, with lots), cards and reference rows changed since a
cursor, plus removals from its store's scope, erasures and the device's high-water mark.

When central's `device_scope` is "store" (the default), a device with a store id gets the customers of its
store's scope (`central.customer_scope`): a scope entry newer than the cursor brings the customer's row, cards
and pool membership (or, once removed, the customer's id in `removed`); a row changed after the entry comes at
its own version instead, so each comes once. Otherwise (`device_scope = "chain"`, for devices of an earlier
release, and for a device without a store id) a device gets every customer of the chain. A pool's balance row
carries its member count, since a device holding its store's share does not hold every member. Either way a
customer row carries the first name, the surname's initial and keyed hashes of the phone and e-mail, never the
contact details themselves; erasures reach every device, since an id carries no personal data.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, select

from central import customer_scope
from central.contact_hashes import chain_key
from central.pools import member_counts
from central.schema import (
    cards,
    cashiers,
    catalogue,
    customers,
    devices,
    pool_balances,
    pool_memberships,
    settings,
)
from central.schema import (
    customer_scope as scope_table,
)
from loyalty.domain.customers import contact_hashes, last_initial
from loyalty.domain.lots import lots_from_json
from loyalty.domain.snapshot import (
    CardState,
    CashierState,
    CentralSetting,
    CustomerState,
    PoolBalanceState,
    PoolMemberState,
    PulledBatch,
    RewardState,
)

#: A scope entry not seen for this many days leaves the store's scope (central's `scope_days` setting).
DEFAULT_SCOPE_DAYS = 90

#: Chain-wide tables every device reads whole, with the kind their rows become.
_REFERENCE = (("reward", catalogue), ("cashier", cashiers), ("setting", settings), ("pool_balance", pool_balances))


def customer_state(row, key: bytes) -> CustomerState:
    """A customer row as devices get it: what the till and kiosk show and need, no contact details."""
    return CustomerState(
        customer_id=row.customer_id,
        points=row.points,
        first_name=row.first_name,
        last_initial=last_initial(row.last_name),
        contact_hashes=contact_hashes(key, row.phone, row.email),
        profile_filled=tuple(name for name in ("last_name", "phone", "email") if getattr(row, name)),
        consent_granted=row.consent_granted,
        consent_version=row.consent_version,
        lots=tuple(lots_from_json(row.lots).items()),
        debits=row.debits,
    )


def pull_page(
    connection: Connection,
    device_id: str,
    cursor: int,
    limit: int,
    *,
    by_store: bool = False,
    scope_days: int = DEFAULT_SCOPE_DAYS,
) -> PulledBatch:
    """Rows with a version above `cursor`, oldest first, at most `limit`; resume from the returned cursor.

    `device_seq_through` comes only with the last page (the device is then up to date): it is read
    before the rows, so every event it covers is already inside the balances the device has pulled.
    With `by_store` (central's `device_scope = "store"`), a device with a store id gets its store's scope.
    """
    through = connection.execute(select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar_one()
    store = customer_scope.store_of(connection, device_id) if by_store else None
    key = chain_key(connection)
    if store is not None:
        customer_scope.expire(connection, store, scope_days)
    rows = []
    for kind, table in _REFERENCE:
        rows += _newer(connection, kind, select(table), table.c.version, cursor, limit)
    if store is None:
        rows += _newer(connection, "customer", select(customers), customers.c.version, cursor, limit)
        rows += _newer(
            connection, "card", select(cards).where(cards.c.customer_id.is_not(None)), cards.c.version, cursor, limit
        )
        rows += _newer(connection, "pool_member", select(pool_memberships), pool_memberships.c.version, cursor, limit)
    else:

        def in_scope(table):  # rows changed after their customer entered the scope (the entry sent them before)
            return and_(
                scope_table.c.store_key == store,
                scope_table.c.removed.is_(False),
                scope_table.c.customer_id == table.c.customer_id,
                table.c.version > scope_table.c.version,
            )

        rows += _newer(
            connection,
            "scope",
            select(scope_table).where(scope_table.c.store_key == store),
            scope_table.c.version,
            cursor,
            limit,
        )
        rows += _newer(
            connection,
            "customer",
            select(customers).join(scope_table, in_scope(customers)).where(customers.c.erased.is_(False)),
            customers.c.version,
            cursor,
            limit,
        )
        rows += _newer(
            connection,
            "customer",
            select(customers).where(customers.c.erased.is_(True)),
            customers.c.version,
            cursor,
            limit,
        )
        rows += _newer(
            connection, "card", select(cards).join(scope_table, in_scope(cards)), cards.c.version, cursor, limit
        )
        rows += _newer(
            connection,
            "pool_member",
            select(pool_memberships).join(scope_table, in_scope(pool_memberships)),
            pool_memberships.c.version,
            cursor,
            limit,
        )
    merged = sorted(rows, key=lambda item: item[0])[:limit]
    people: dict[str, CustomerState] = {}
    card_states: dict[str, CardState] = {}
    members: dict[str, PoolMemberState] = {}
    erased, removed, rewards, staff, chain, pools = [], [], [], [], [], []
    entering: dict[str, int] = {}
    for _, kind, row in merged:
        if kind == "pool_member":
            members[row.customer_id] = PoolMemberState(row.customer_id, row.pool_id, row.share_pct)
        elif kind == "pool_balance":
            pools.append(row)
        elif kind == "reward":
            rewards.append(
                RewardState(
                    row.reward_id,
                    row.kind,
                    row.name,
                    row.points_price,
                    row.stock,
                    row.partner,
                    row.face_value_cents,
                    bool(row.active),
                )
            )
        elif kind == "cashier":
            staff.append(CashierState(row.cashier_id, row.name, row.role, row.pin_hash, row.language, bool(row.active)))
        elif kind == "setting":
            chain.append(CentralSetting(row.key, row.value_json))
        elif kind == "card":
            if row.customer_id:  # a card blocked before central saw it linked has no owner a device could use
                card_states[row.card_uid] = CardState(row.card_uid, row.customer_id, bool(row.blocked))
        elif kind == "scope":
            if row.removed:
                removed.append(row.customer_id)
            else:
                entering[row.customer_id] = row.version
        elif row.erased:
            erased.append(row.customer_id)
        else:
            people[row.customer_id] = customer_state(row, key)
    if entering:
        bundle = customer_bundle(connection, list(entering), key, entered=entering)
        people.update(bundle.customers)
        card_states.update(bundle.cards)
        members.update(bundle.members)
    counts = member_counts(connection, (row.pool_id for row in pools))
    last_page = len(merged) < limit
    return PulledBatch(
        cursor=merged[-1][0] if merged else cursor,
        customers=tuple(people.values()),
        cards=tuple(card_states.values()),
        erased=tuple(erased),
        device_seq_through=through if last_page else None,
        rewards=tuple(rewards),
        cashiers=tuple(staff),
        settings=tuple(chain),
        pool_members=tuple(members.values()),
        pool_balances=tuple(PoolBalanceState(row.pool_id, row.points, counts.get(row.pool_id, 0)) for row in pools),
        removed=tuple(removed),
    )


class Bundle:
    """Customers entering a device's hands: their rows, cards and pool memberships, keyed for merging."""

    def __init__(self) -> None:
        self.customers: dict[str, CustomerState] = {}
        self.cards: dict[str, CardState] = {}
        self.members: dict[str, PoolMemberState] = {}


def customer_bundle(
    connection: Connection, customer_ids: list[str], key: bytes, *, entered: dict[str, int] | None = None
) -> Bundle:
    """The current rows of these customers (erased ones left out: erasures travel on their own).

    With `entered` (customer id → version of their scope entry), rows changed after the entry are left out:
    the pull sends them at their own, later version, so a new device gets each row once.
    """
    bundle = Bundle()

    def current(row) -> bool:
        return entered is None or row.version <= entered[row.customer_id]

    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start : start + 500]
        for row in connection.execute(
            select(customers).where(customers.c.customer_id.in_(chunk), customers.c.erased.is_(False))
        ):
            if current(row):
                bundle.customers[row.customer_id] = customer_state(row, key)
        for row in connection.execute(select(cards).where(cards.c.customer_id.in_(chunk))):
            if current(row):
                bundle.cards[row.card_uid] = CardState(row.card_uid, row.customer_id, bool(row.blocked))
        for row in connection.execute(select(pool_memberships).where(pool_memberships.c.customer_id.in_(chunk))):
            if current(row):
                bundle.members[row.customer_id] = PoolMemberState(row.customer_id, row.pool_id, row.share_pct)
    return bundle


def _newer(connection: Connection, kind: str, query, version, cursor: int, limit: int) -> list[tuple[int, str, object]]:
    found = connection.execute(
        query.add_columns(version.label("_v")).where(version > cursor).order_by(version).limit(limit)
    ).all()
    return [(row._v, kind, row) for row in found]
