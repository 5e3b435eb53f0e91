"""Training progress a till sends per cashier per drill (best score and time, first completion).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_progress",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("cashier_id", sa.String(64), primary_key=True),
        sa.Column("drill", sa.String(32), primary_key=True),
        sa.Column("best_score", sa.Integer, nullable=False),
        sa.Column("best_ms", sa.Integer, nullable=False),
        sa.Column("first_done_at", sa.String(40)),
        sa.Column("received_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_training_progress_cashier", "training_progress", ["cashier_id"])


def downgrade() -> None:
    op.drop_index("ix_training_progress_cashier", "training_progress")
    op.drop_table("training_progress")
