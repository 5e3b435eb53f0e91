"""Back-office managers tied to their stores: one row per (user, device id) a manager sees and changes.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backoffice_user_stores",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("backoffice_user_stores")
