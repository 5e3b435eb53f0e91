"""Exactly once at the edges: each device's store, receipt claims per store, voucher codes confirmed.

Codes issued before this migration whose redemption central already holds are confirmed now, so the
release of unconfirmed codes never takes back a code a customer has.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("store_id", sa.String(64), nullable=True))
    op.create_table(
        "receipt_claims",
        sa.Column("store_key", sa.String(64), primary_key=True),
        sa.Column("receipt_ref", sa.String(500), primary_key=True),
        sa.Column("earn_event_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
    )
    with op.batch_alter_table("voucher_codes") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.String(40), nullable=True))
        batch.create_index("ix_voucher_unconfirmed", ["partner", "confirmed_at", "issued_at"])
    op.execute("UPDATE voucher_codes SET confirmed_at = issued_at WHERE redemption_event_id IN "
               "(SELECT event_id FROM events WHERE type = 'PointsRedeemed')")
    # Earns already stored claim their receipts, first come first served (a store of their own).
    op.execute("INSERT INTO receipt_claims (store_key, receipt_ref, earn_event_id, device_id) "
               "SELECT e.device_id, r.receipt_ref, MIN(r.event_id), e.device_id FROM earns r "
               "JOIN events e ON e.event_id = r.event_id GROUP BY e.device_id, r.receipt_ref")


def downgrade() -> None:
    with op.batch_alter_table("voucher_codes") as batch:
        batch.drop_index("ix_voucher_unconfirmed")
        batch.drop_column("confirmed_at")
    op.drop_table("receipt_claims")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("store_id")
