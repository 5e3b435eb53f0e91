"""Customers beyond the till: order-channel API keys, their rate-limit counters, order idempotency, merges of
duplicate customers, the shopper's portal sign-in codes and used profile links, and the customer search keys
(filled from the customers already stored).

Revision ID: 0014
Revises: 0013
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("rate_per_minute", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "channel_key_usage",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("minute", sa.BigInteger, primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
    )
    op.create_table(
        "channel_orders",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("operation", sa.String(80), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("answer_json", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "customer_merges",
        sa.Column("merge_event_id", sa.String(36), primary_key=True),
        sa.Column("kept_id", sa.String(64), nullable=False),
        sa.Column("duplicate_id", sa.String(64), nullable=False),
        sa.Column("moved_json", sa.Text, nullable=False),
        sa.Column("merged_at", sa.String(40), nullable=False),
        sa.Column("merged_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("undone_at", sa.String(40), nullable=True),
        sa.Column("undone_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_customer_merges_kept", "customer_merges", ["kept_id"])
    op.create_index("ix_customer_merges_duplicate", "customer_merges", ["duplicate_id"])
    op.create_table(
        "portal_codes",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "portal_link_uses",
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("used_at", sa.String(40), nullable=False),
    )
    keys = op.create_table(
        "customer_search_keys",
        sa.Column("key", sa.String(500).with_variant(sa.String(500, collation="C"), "postgresql"), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_customer_search_keys_customer", "customer_search_keys", ["customer_id"])
    _fill(keys)


def _fill(keys: sa.Table) -> None:
    bind = op.get_bind()
    customers = sa.table("customers", sa.column("customer_id"), sa.column("first_name"), sa.column("last_name"),
                         sa.column("phone"), sa.column("email"), sa.column("erased"))
    rows = []
    for row in bind.execute(sa.select(customers).where(customers.c.erased == sa.false())):
        rows.extend({"key": key[:500], "customer_id": row.customer_id}
                    for key in _search_keys(row.first_name, row.last_name, row.phone, row.email))
        if len(rows) >= 5000:
            bind.execute(keys.insert(), rows)
            rows = []
    if rows:
        bind.execute(keys.insert(), rows)


def downgrade() -> None:
    op.drop_table("customer_search_keys")
    op.drop_table("customer_merges")
    op.drop_table("portal_link_uses")
    op.drop_table("portal_codes")
    op.drop_table("channel_orders")
    op.drop_table("channel_key_usage")
    op.drop_table("channel_keys")


# The search keys as this revision made them (a frozen copy of the domain's rule then: a migration gives the
# same result whatever the live code later becomes).
_NON_DIGITS = re.compile(r"\D+")


def _normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _normalise_phone(text: str) -> str:
    digits = _NON_DIGITS.sub("", text)
    if digits.startswith("0033"):
        return "0" + digits[4:]
    if text.strip().startswith("+33"):
        return "0" + digits[2:]
    return digits


def _search_keys(first_name: str | None, last_name: str | None, phone: str | None, email: str | None) -> set[str]:
    keys = set()
    for name in (first_name, last_name):
        if name:
            keys.update(part for part in _normalise_name(name).split() if part)
    if first_name and last_name:
        keys.add(_normalise_name(f"{first_name} {last_name}"))
    if phone and (digits := _normalise_phone(phone)):
        keys.add(digits)
    if email:
        keys.add(email.strip().lower())
    return keys
