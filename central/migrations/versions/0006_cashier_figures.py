"""Adoption figures a till measures per cashier per day (operations, captures, time per operation).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTERS = ("operations", "earns", "unknown_cards", "captured", "skipped", "redemptions", "refunds", "undos")


def upgrade() -> None:
    op.create_table(
        "cashier_day_figures",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("cashier_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        *[sa.Column(name, sa.Integer, nullable=False) for name in COUNTERS],
        sa.Column("op_ms_total", sa.BigInteger, nullable=False),
        sa.Column("timed_ops", sa.Integer, nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_cashier_day_figures_day", "cashier_day_figures", ["day"])


def downgrade() -> None:
    op.drop_index("ix_cashier_day_figures_day", "cashier_day_figures")
    op.drop_table("cashier_day_figures")
