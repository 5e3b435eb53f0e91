"""Central's tables (SQLAlchemy Core). Alembic migrations in `central/migrations` create and evolve them.

`events` is the append-only ledger, unique by event UUID; `customers`, `cards`, `earns` are its fold,
kept current at each push. `version` columns take their values from the single `change_counter` row,
under its row lock, so versions are handed out in commit order and a pull cursor never skips a row.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: A 64-bit key that is also SQLite's auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("code_hash", String(64), nullable=True),
    Column("code_expires_at", BigInteger, nullable=True),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("enrolled_at", String(40), nullable=True),
    Column("revoked_at", String(40), nullable=True),
    Column("seq_through", BigInteger, nullable=False, server_default="0"),
    Column("last_seen_at", String(40), nullable=True),
    #: The store the device stands in (its config's device.store_id, given at enrolment); NULL: a store of its own.
    Column("store_id", String(64), nullable=True),
)

#: Events central refused from a device for good (kind or amount), kept so the back office shows them and the
#: device's sequence high-water mark can pass over them; the events themselves are not stored.
push_refusals = Table(
    "push_refusals",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("refused_at", String(40), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("device_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=True),
    Column("type", String(40), nullable=False),
    Column("customer_id", String(64), nullable=True),
    Column("received_at", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("review", Boolean, nullable=False, server_default="0"),
    Index("ix_events_device_seq", "device_id", "seq"),
    Index("ix_events_customer", "customer_id"),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("first_name", String(500), nullable=True),
    Column("last_name", String(500), nullable=True),
    Column("phone", String(500), nullable=True),
    Column("email", String(500), nullable=True),
    Column("consent_granted", Boolean, nullable=True),
    Column("consent_version", String(500), nullable=True),
    Column("consent_at", String(40), nullable=True),
    Column("consent_channel", String(20), nullable=True),
    Column("erased", Boolean, nullable=False, server_default="0"),
    Column("points", BigInteger, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False),
    #: Points by earning day net of refunds (JSON), compacted by `loyalty.domain.lots`, and points spent or expired.
    Column("lots", Text, nullable=False, server_default="{}"),
    Column("debits", BigInteger, nullable=False, server_default="0"),
    Index("ix_customers_version", "version"),
    #: Erasures go to every device, not only to the stores that hold the customer: read in version order.
    Index("ix_customers_erased_version", "erased", "version"),
)

cards = Table(
    "cards",
    metadata,
    Column("card_uid", String(500), primary_key=True),
    Column("customer_id", String(64), nullable=True),
    Column("blocked", Boolean, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False),
    Index("ix_cards_version", "version"),
    Index("ix_cards_customer", "customer_id"),
)

#: The customers each store's devices hold (`central.customer_scope`): who shops, registered or is assigned there,
#: or was looked up there lately. A row's `version` moves when the customer enters or leaves (`removed`) the
#: scope, so the pull sends the store the customer's row, or a removal, by the same cursor as every other row.
customer_scope = Table(
    "customer_scope",
    metadata,
    Column("store_key", String(64), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Column("reason", String(20), nullable=False),
    Column("last_seen", String(40), nullable=False),
    Column("removed", Boolean, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False),
    Index("ix_customer_scope_store_version", "store_key", "version"),
    Index("ix_customer_scope_customer", "customer_id"),
)

#: A device's link of a card that central holds for another customer: the link is kept, the claim reviewed.
card_claims = Table(
    "card_claims",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("card_uid", String(500), nullable=False),
    Column("claimed_for", String(64), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("resolved_at", String(40), nullable=True),
    Index("ix_card_claims_open", "resolved_at"),
)

#: Normalised names, phone and e-mail of each customer (`loyalty.domain.customers.search_keys`), for the
#: back office's prefix search; rewritten with the customer at each fold. Bytewise order ("C" on PostgreSQL,
#: SQLite's own), so a prefix is one range of the primary key, read in order with an early stop.
SEARCH_KEY = String(500).with_variant(String(500, collation="C"), "postgresql")
customer_search_keys = Table(
    "customer_search_keys",
    metadata,
    Column("key", SEARCH_KEY, primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Index("ix_customer_search_keys_customer", "customer_id"),
)

#: Duplicate customers merged in the back office, with what moved, so the merge can be undone for a while.
customer_merges = Table(
    "customer_merges",
    metadata,
    Column("merge_event_id", String(36), primary_key=True),
    Column("kept_id", String(64), nullable=False),
    Column("duplicate_id", String(64), nullable=False),
    Column("moved_json", Text, nullable=False),
    Column("merged_at", String(40), nullable=False),
    Column("merged_by", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("undone_at", String(40), nullable=True),
    Column("undone_by", String(64), nullable=True),
    Index("ix_customer_merges_kept", "kept_id"),
    Index("ix_customer_merges_duplicate", "duplicate_id"),
)

#: The shopper's portal: one-time sign-in codes (hashed, short-lived, a few attempts) per customer.
portal_codes = Table(
    "portal_codes",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("code_hash", String(64), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
)

#: Receipt profile links already used (a link completes a profile once).
portal_link_uses = Table(
    "portal_link_uses",
    metadata,
    Column("nonce", String(32), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("used_at", String(40), nullable=False),
)

#: Sequence numbers of a device that head office recorded as lost: central's gap-free run goes over them.
lost_sequences = Table(
    "lost_sequences",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("seq_from", BigInteger, primary_key=True),
    Column("seq_to", BigInteger, nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("recorded_by", String(64), nullable=False),
)

earns = Table(
    "earns",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("receipt_ref", String(500), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False, server_default="0"),
    Column("reversed_points", BigInteger, nullable=False, server_default="0"),
)

#: A receipt is credited once per store: the first earn of (store, receipt) holds the claim (`central.receipts`).
receipt_claims = Table(
    "receipt_claims",
    metadata,
    Column("store_key", String(64), primary_key=True),
    Column("receipt_ref", String(500), primary_key=True),
    Column("earn_event_id", String(36), nullable=False),
    Column("device_id", String(64), nullable=False),
)

voucher_codes = Table(
    "voucher_codes",
    metadata,
    Column("partner", String(64), primary_key=True),
    Column("code", String(200), primary_key=True),
    Column("face_value_cents", BigInteger, nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("issued_at", String(40), nullable=True),
    Column("customer_id", String(64), nullable=True),
    Column("device_id", String(64), nullable=True),
    Column("redemption_event_id", String(36), nullable=True),
    #: When the redemption the code was issued for reached central; an issued code never confirmed is released.
    Column("confirmed_at", String(40), nullable=True),
    UniqueConstraint("redemption_event_id", name="uq_voucher_redemption"),
    Index("ix_voucher_free", "partner", "issued_at"),
    Index("ix_voucher_unconfirmed", "partner", "confirmed_at", "issued_at"),
)

#: Server-to-server keys of the web shop, catalogue and partner order systems (secret stored hashed).
channel_keys = Table(
    "channel_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", String(100), nullable=False),
    Column("rate_per_minute", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", String(40), nullable=True),
)

#: Requests per key and minute, for the rate limit shared by every central instance.
channel_key_usage = Table(
    "channel_key_usage",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("minute", BigInteger, primary_key=True),
    Column("requests", Integer, nullable=False),
)

#: One row per order operation (earn, or one refund) per channel: the answer given, replayed on a retry.
channel_orders = Table(
    "channel_orders",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("operation", String(80), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("answer_json", Text, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)

catalogue = Table(
    "catalogue",
    metadata,
    Column("reward_id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("points_price", BigInteger, nullable=False),
    Column("stock", BigInteger, nullable=True),
    Column("partner", String(64), nullable=True),
    Column("face_value_cents", BigInteger, nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("version", BigInteger, nullable=False),
    Index("ix_catalogue_version", "version"),
)

cashiers = Table(
    "cashiers",
    metadata,
    Column("cashier_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("pin_hash", String(200), nullable=False),
    Column("language", String(8), nullable=False, server_default="fr"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("version", BigInteger, nullable=False),
    Index("ix_cashiers_version", "version"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value_json", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Index("ix_settings_version", "version"),
)

backoffice_users = Table(
    "backoffice_users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", String(40), nullable=False),
    #: Moves on sign-out, password, role or store change and deactivation: older session cookies stop working.
    Column("session_generation", BigInteger, nullable=False, server_default="0"),
)

#: The stores (device ids) a manager account sees and changes; head office sees every store.
backoffice_user_stores = Table(
    "backoffice_user_stores",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("device_id", String(64), primary_key=True),
)

backoffice_keys = Table(
    "backoffice_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

earning_rule_versions = Table(
    "earning_rule_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("effective_from", String(10), nullable=False),
    Column("rules_json", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("published", Boolean, nullable=False, server_default="0"),
    Index("ix_rule_versions_effective", "effective_from"),
)

partner_pool_alerts = Table(
    "partner_pool_alerts",
    metadata,
    Column("partner", String(64), primary_key=True),
    Column("alert_below", BigInteger, nullable=False),
)

reward_pictures = Table(
    "reward_pictures",
    metadata,
    Column("reward_id", String(64), primary_key=True),
    Column("mime", String(20), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("updated_at", String(40), nullable=False),
)

card_batches = Table(
    "card_batches",
    metadata,
    Column("batch_id", String(36), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("partner", String(64), nullable=True),
    Column("size", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("note", String(200), nullable=False, server_default=""),
)

batch_cards = Table(
    "batch_cards",
    metadata,
    Column("card_uid", String(64), primary_key=True),
    Column("batch_id", String(36), nullable=False),
    Column("activation_code", String(16), nullable=False),
    Column("activated_at", String(40), nullable=True),
    Column("activated_via", String(20), nullable=True),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("chip_uid", String(64), nullable=True),
    Index("ix_batch_cards_batch", "batch_id"),
    Index("ux_batch_cards_chip", "chip_uid", unique=True),
)

pool_memberships = Table(
    "pool_memberships",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("pool_id", String(64), nullable=True),
    Column("share_pct", Integer, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False),
    Index("ix_pool_memberships_version", "version"),
)

pool_balances = Table(
    "pool_balances",
    metadata,
    Column("pool_id", String(64), primary_key=True),
    Column("points", BigInteger, nullable=False, server_default="0"),
    Column("version", BigInteger, nullable=False),
    Index("ix_pool_balances_version", "version"),
)

cashier_day_figures = Table(
    "cashier_day_figures",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("cashier_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("operations", Integer, nullable=False),
    Column("earns", Integer, nullable=False),
    Column("unknown_cards", Integer, nullable=False),
    Column("captured", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("redemptions", Integer, nullable=False),
    Column("refunds", Integer, nullable=False),
    Column("undos", Integer, nullable=False),
    Column("op_ms_total", BigInteger, nullable=False),
    Column("timed_ops", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),
    Index("ix_cashier_day_figures_day", "day"),
)

training_progress = Table(
    "training_progress",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("cashier_id", String(64), primary_key=True),
    Column("drill", String(32), primary_key=True),
    Column("best_score", Integer, nullable=False),
    Column("best_ms", Integer, nullable=False),
    Column("first_done_at", String(40)),
    Column("received_at", String(40), nullable=False),
    Index("ix_training_progress_cashier", "cashier_id"),
)

report_day_totals = Table(
    "report_day_totals",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("cashier_id", String(64), primary_key=True),
    Column("points_earned", BigInteger, nullable=False),
    Column("points_reversed", BigInteger, nullable=False),
    Column("points_redeemed", BigInteger, nullable=False),
    Column("points_expired", BigInteger, nullable=False),
    Column("balance_change", BigInteger, nullable=False),
    Column("earn_operations", BigInteger, nullable=False),
    Column("customers_registered", BigInteger, nullable=False),
)

report_reward_days = Table(
    "report_reward_days",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("reward_id", String(64), primary_key=True),
    Column("partner", String(64), primary_key=True),
    Column("redemptions", BigInteger, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("vouchers_issued", BigInteger, nullable=False),
    Column("face_value_cents", BigInteger, nullable=False),
)

report_active_days = Table(
    "report_active_days",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("device_id", String(64), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
)


#: Phone card codes accepted online, so a code counts once in the whole chain (kept a few minutes).
phonecard_codes_used = Table(
    "phonecard_codes_used",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("device_id", String(64), nullable=False),
    Column("used_at", BigInteger, nullable=False),
)

#: The generation of each card's card-page link; rotating the link makes older links stop working.
phonecard_links = Table(
    "phonecard_links",
    metadata,
    Column("card_uid", String(500), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)
