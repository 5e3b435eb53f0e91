"""Card claims (a device's link of a card central holds for another customer, kept for review) and lost
sequences (a device's numbers head office recorded as lost, so central's gap-free run goes over them).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
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
    op.create_table(
        "lost_sequences",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("seq_from", sa.BigInteger, primary_key=True),
        sa.Column("seq_to", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("lost_sequences")
    op.drop_index("ix_card_claims_open", table_name="card_claims")
    op.drop_table("card_claims")
