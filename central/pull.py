"""Pull: pages of current customers (with their lots) and cards changed since a cursor, plus the device's
high-water mark."""

from __future__ import annotations

from sqlalchemy import Connection, select

from central.schema import cards, cashiers, catalogue, customers, devices, pool_balances, pool_memberships, settings
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

#: Every table a pull reads, with the kind its rows become.
_SOURCES = (("customer", customers), ("card", cards), ("reward", catalogue), ("cashier", cashiers),
            ("setting", settings), ("pool_member", pool_memberships), ("pool_balance", pool_balances))


def pull_page(connection: Connection, device_id: str, cursor: int, limit: int) -> PulledBatch:
    """Rows with a version above `cursor`, oldest first, at most `limit`; resume from the returned cursor.

    `device_seq_through` comes only with the last page (the device is then up to date): it is read
    before the rows, so every event it covers is already inside the balances the device has pulled.
    """
    through = connection.execute(
        select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar_one()
    rows = []
    for kind, table in _SOURCES:
        found = connection.execute(
            select(table).where(table.c.version > cursor).order_by(table.c.version).limit(limit)).all()
        rows += [(row.version, kind, row) for row in found]
    merged = sorted(rows, key=lambda item: item[0])[:limit]
    people, erased, card_states, rewards, staff, chain = [], [], [], [], [], []
    members, pools = [], []
    for _, kind, row in merged:
        if kind == "pool_member":
            members.append(PoolMemberState(row.customer_id, row.pool_id, row.share_pct))
        elif kind == "pool_balance":
            pools.append(PoolBalanceState(row.pool_id, row.points))
        elif kind == "reward":
            rewards.append(RewardState(row.reward_id, row.kind, row.name, row.points_price, row.stock, row.partner,
                                       row.face_value_cents, bool(row.active)))
        elif kind == "cashier":
            staff.append(CashierState(row.cashier_id, row.name, row.role, row.pin_hash, row.language,
                                      bool(row.active)))
        elif kind == "setting":
            chain.append(CentralSetting(row.key, row.value_json))
        elif kind == "card":
            if row.customer_id:  # a card blocked before central saw it linked has no owner a device could use
                card_states.append(CardState(row.card_uid, row.customer_id, bool(row.blocked)))
        elif row.erased:
            erased.append(row.customer_id)
        else:
            people.append(CustomerState(
                customer_id=row.customer_id, points=row.points, first_name=row.first_name,
                last_name=row.last_name, phone=row.phone, email=row.email,
                consent_granted=row.consent_granted, consent_version=row.consent_version,
                lots=tuple(lots_from_json(row.lots).items()), debits=row.debits))
    last_page = len(merged) < limit
    return PulledBatch(
        cursor=merged[-1][0] if merged else cursor,
        customers=tuple(people), cards=tuple(card_states), erased=tuple(erased),
        device_seq_through=through if last_page else None,
        rewards=tuple(rewards), cashiers=tuple(staff), settings=tuple(chain),
        pool_members=tuple(members), pool_balances=tuple(pools),
    )
