"""Back office: its users (manager / head office), its session key, dated versions of the earning rules,
the pictures of rewards, and the level under which a partner's voucher code pool raises a low-stock alert.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "backoffice_users",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "backoffice_keys",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "earning_rule_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("effective_from", sa.String(10), nullable=False),
        sa.Column("rules_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_index("ix_rule_versions_effective", "earning_rule_versions", ["effective_from"])
    op.create_table(
        "reward_pictures",
        sa.Column("reward_id", sa.String(64), primary_key=True),
        sa.Column("mime", sa.String(20), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "partner_pool_alerts",
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("alert_below", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for name in ("partner_pool_alerts", "reward_pictures", "earning_rule_versions", "backoffice_keys", "backoffice_users"):
        op.drop_table(name)
