"""Card claims: a device's link of a card central holds for another customer, kept for review.

Revision ID: 0014
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_claims",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("card_uid", sa.String(500), nullable=False),
        sa.Column("claimed_for", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("resolved_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_card_claims_open", "card_claims", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_card_claims_open", table_name="card_claims")
    op.drop_table("card_claims")
