"""Report totals per day, device and cashier, kept at each push (filled from the events already stored).

The fill folds the stored ledger in the order it happened with the same `ReportTally` ingest uses, so
the back office shows the figures it showed before the migration, now without re-reading the ledger.

Revision ID: 0010
Revises: 0009
"""

import json

import sqlalchemy as sa
from alembic import op

from central.event_order import in_happened_order
from central.report_totals import DAY_FIGURES, REWARD_FIGURES, ReportTally
from loyalty.domain.events import from_record
from loyalty.domain.ledger import Ledger

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    day_totals = op.create_table(
        "report_day_totals",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("cashier_id", sa.String(64), primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False) for name in DAY_FIGURES],
    )
    reward_days = op.create_table(
        "report_reward_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("reward_id", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(64), primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False) for name in REWARD_FIGURES],
    )
    active_days = op.create_table(
        "report_active_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
    )
    _fill(day_totals, reward_days, active_days)


def _fill(day_totals: sa.Table, reward_days: sa.Table, active_days: sa.Table) -> None:
    bind = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("payload"))
    stored = (from_record(json.loads(payload)) for payload, in bind.execute(
        sa.select(events.c.payload).order_by(events.c.id)))
    tally = ReportTally()
    tally.fold(Ledger(), in_happened_order(stored))
    for table, rows in ((day_totals, tally.day_rows()), (reward_days, tally.reward_rows()),
                        (active_days, tally.active_rows())):
        for start in range(0, len(rows), 5000):
            bind.execute(table.insert(), rows[start:start + 5000])


def downgrade() -> None:
    op.drop_table("report_active_days")
    op.drop_table("report_reward_days")
    op.drop_table("report_day_totals")
