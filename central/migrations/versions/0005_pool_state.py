"""Pool memberships and pool balances as current rows with a version, so the pull brings them to every device
(filled from the pool events already stored); the chip UID card production gives each batch card.

Revision ID: 0005
Revises: 0004
"""

import json

import sqlalchemy as sa
from alembic import op

from loyalty.domain.events import from_record
from loyalty.domain.ledger import Ledger

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
    ledger = Ledger.fold(from_record(json.loads(row.payload)) for row in bind.execute(
        sa.select(events.c.payload).where(events.c.type.in_(_POOL_EVENT_TYPES)).order_by(events.c.id)))
    members = set(ledger.member_pool)
    if not ledger.pool_balances and not members:
        return
    version = bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()
    rows = []
    for cid in sorted(members):
        version += 1
        pool_id = ledger.member_pool.get(cid)
        rows.append({"customer_id": cid, "pool_id": pool_id,
                     "share_pct": ledger.pool_members[pool_id][cid] if pool_id else 0, "version": version})
    if rows:
        bind.execute(memberships.insert(), rows)
    pools = []
    for pool_id, points in sorted(ledger.pool_balances.items()):
        version += 1
        pools.append({"pool_id": pool_id, "points": points, "version": version})
    if pools:
        bind.execute(balances.insert(), pools)
    bind.execute(counter.update().where(counter.c.id == 1).values(value=version))


def downgrade() -> None:
    op.drop_index("ux_batch_cards_chip", "batch_cards")
    with op.batch_alter_table("batch_cards") as batch:
        batch.drop_column("chip_uid")
    op.drop_table("pool_balances")
    op.drop_table("pool_memberships")
