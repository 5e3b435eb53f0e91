"""Initial schema: devices, event ledger, customers/cards/earns fold, voucher pools, audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO change_counter (id, value) VALUES (1, 0)")
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", sa.BigInteger, nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("enrolled_at", sa.String(40), nullable=True),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("seq_through", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_seen_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("review", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_index("ix_events_device_seq", "events", ["device_id", "seq"])
    op.create_index("ix_events_customer", "events", ["customer_id"])
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("first_name", sa.String(500), nullable=True),
        sa.Column("last_name", sa.String(500), nullable=True),
        sa.Column("phone", sa.String(500), nullable=True),
        sa.Column("email", sa.String(500), nullable=True),
        sa.Column("consent_granted", sa.Boolean, nullable=True),
        sa.Column("consent_version", sa.String(500), nullable=True),
        sa.Column("consent_at", sa.String(40), nullable=True),
        sa.Column("consent_channel", sa.String(20), nullable=True),
        sa.Column("erased", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_customers_version", "customers", ["version"])
    op.create_table(
        "cards",
        sa.Column("card_uid", sa.String(500), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_cards_version", "cards", ["version"])
    op.create_index("ix_cards_customer", "cards", ["customer_id"])
    op.create_table(
        "earns",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("receipt_ref", sa.String(500), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("refunded_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reversed_points", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "voucher_codes",
        sa.Column("partner", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(200), primary_key=True),
        sa.Column("face_value_cents", sa.BigInteger, nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("issued_at", sa.String(40), nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("redemption_event_id", sa.String(36), nullable=True),
        sa.UniqueConstraint("redemption_event_id", name="uq_voucher_redemption"),
    )
    op.create_index("ix_voucher_free", "voucher_codes", ["partner", "issued_at"])
    op.create_table(
        "audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    for name in ("audit", "voucher_codes", "earns", "cards", "customers", "events", "devices", "change_counter"):
        op.drop_table(name)
