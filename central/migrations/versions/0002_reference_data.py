"""Catalogue, cashiers and chain-wide settings (earning rules), pulled by devices like customers.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue",
        sa.Column("reward_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("points_price", sa.BigInteger, nullable=False),
        sa.Column("stock", sa.BigInteger, nullable=True),
        sa.Column("partner", sa.String(64), nullable=True),
        sa.Column("face_value_cents", sa.BigInteger, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_catalogue_version", "catalogue", ["version"])
    op.create_table(
        "cashiers",
        sa.Column("cashier_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=False, server_default="fr"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_cashiers_version", "cashiers", ["version"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_settings_version", "settings", ["version"])


def downgrade() -> None:
    for name in ("settings", "cashiers", "catalogue"):
        op.drop_table(name)
