"""Pool memberships and pool balances as current rows with a version, so the pull brings them to every device
(filled from the pool events already stored); the chip UID card production gives each batch card.

Revision ID: 0005
Revises: 0004
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_POOL_EVENT_TYPES = ("PoolJoined", "PoolLeft", "PoolContributed", "PoolContributionReversed", "PoolRedeemed")


def upgrade() -> None:
    memberships = op.create_table(
        "pool_memberships",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("pool_id", sa.String(64), nullable=True),
        sa.Column("share_pct", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pool_memberships_version", "pool_memberships", ["version"])
    balances = op.create_table(
        "pool_balances",
        sa.Column("pool_id", sa.String(64), primary_key=True),
        sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pool_balances_version", "pool_balances", ["version"])
    _fill(memberships, balances)
    with op.batch_alter_table("batch_cards") as batch:
        batch.add_column(sa.Column("chip_uid", sa.String(64), nullable=True))
    op.create_index("ux_batch_cards_chip", "batch_cards", ["chip_uid"], unique=True)


def _fill(memberships: sa.Table, balances: sa.Table) -> None:
    """Fold the pool events already held into the new rows, with versions from the change counter."""
    bind = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("type"), sa.column("payload"))
    counter = sa.table("change_counter", sa.column("id"), sa.column("value"))
    member_pool, pool_members, pool_balances = _fold_pools(json.loads(row.payload) for row in bind.execute(
        sa.select(events.c.payload).where(events.c.type.in_(_POOL_EVENT_TYPES)).order_by(events.c.id)))
    members = set(member_pool)
    if not pool_balances and not members:
        return
    version = bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()
    rows = []
    for cid in sorted(members):
        version += 1
        pool_id = member_pool.get(cid)
        rows.append({"customer_id": cid, "pool_id": pool_id,
                     "share_pct": pool_members[pool_id][cid] if pool_id else 0, "version": version})
    if rows:
        bind.execute(memberships.insert(), rows)
    pools = []
    for pool_id, points in sorted(pool_balances.items()):
        version += 1
        pools.append({"pool_id": pool_id, "points": points, "version": version})
    if pools:
        bind.execute(balances.insert(), pools)
    bind.execute(counter.update().where(counter.c.id == 1).values(value=version))


def _fold_pools(records) -> tuple[dict[str, str], dict[str, dict[str, int]], dict[str, int]]:
    """Each customer's pool, each pool's members and shares, and each pool's balance, from stored pool event
    records: the ledger's pool rules as they were at this revision (a frozen copy, so the migration gives the
    same result whatever the live code later becomes)."""
    member_pool: dict[str, str] = {}
    pool_members: dict[str, dict[str, int]] = {}
    pool_balances: dict[str, int] = {}
    seen: set[str] = set()
    for record in records:
        if record["event_id"] in seen:
            continue
        seen.add(record["event_id"])
        kind, pool_id, customer_id = record["type"], record["pool_id"], record["customer_id"]
        if kind == "PoolJoined":
            previous = member_pool.get(customer_id)
            if previous is not None:
                pool_members[previous].pop(customer_id, None)
            pool_members.setdefault(pool_id, {})[customer_id] = record["share_pct"]
            member_pool[customer_id] = pool_id
            pool_balances.setdefault(pool_id, 0)
        elif kind == "PoolLeft":
            pool_members.get(pool_id, {}).pop(customer_id, None)
            if member_pool.get(customer_id) == pool_id:
                del member_pool[customer_id]
        elif kind == "PoolContributed":
            pool_balances[pool_id] = pool_balances.get(pool_id, 0) + record["points"]
        elif kind in ("PoolContributionReversed", "PoolRedeemed"):
            pool_balances[pool_id] = pool_balances.get(pool_id, 0) - record["points"]
    return member_pool, pool_members, pool_balances


def downgrade() -> None:
    op.drop_index("ux_batch_cards_chip", "batch_cards")
    with op.batch_alter_table("batch_cards") as batch:
        batch.drop_column("chip_uid")
    op.drop_table("pool_balances")
    op.drop_table("pool_memberships")
