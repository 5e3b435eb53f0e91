"""Trust bounds: push refusals, back-office session generations, chain-wide phone card codes, card link rotation.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_refusals",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("refused_at", sa.String(40), nullable=False),
    )
    with op.batch_alter_table("backoffice_users") as batch:
        batch.add_column(sa.Column("session_generation", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table(
        "phonecard_codes_used",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("used_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "phonecard_links",
        sa.Column("card_uid", sa.String(500), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("phonecard_links")
    op.drop_table("phonecard_codes_used")
    with op.batch_alter_table("backoffice_users") as batch:
        batch.drop_column("session_generation")
    op.drop_table("push_refusals")
