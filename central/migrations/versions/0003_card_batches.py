"""Card batches per sales channel (company, partner, online) and their cards with activation codes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_batches",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("partner", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "batch_cards",
        sa.Column("card_uid", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("activation_code", sa.String(16), nullable=False),
        sa.Column("activated_at", sa.String(40), nullable=True),
        sa.Column("activated_via", sa.String(20), nullable=True),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_batch_cards_batch", "batch_cards", ["batch_id"])


def downgrade() -> None:
    op.drop_table("batch_cards")
    op.drop_table("card_batches")
