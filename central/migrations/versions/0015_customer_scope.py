"""Each store's customer scope (who its devices hold), and an index to send erasures to every device.

The filter of issued cards (`kiosk.domain.card_filter`) is published from the batches already made.
Existing customers enter the scope of each store where a device with a store id recorded one of their events
(activity before this revision counts from today, so nothing expires at once).

Revision ID: 0015_customer_scope
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_customer_scope"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    scope = op.create_table(
        "customer_scope",
        sa.Column("store_key", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_customer_scope_store_version", "customer_scope", ["store_key", "version"])
    op.create_index("ix_customer_scope_customer", "customer_scope", ["customer_id"])
    op.create_index("ix_customers_erased_version", "customers", ["erased", "version"])
    _fill(scope)
    _publish_card_filter()


def _publish_card_filter() -> None:
    """The setting `issued_cards`, as `central.card_filter.publish` writes it (left out when no batch exists)."""
    from kiosk.domain.card_filter import CardFilter

    bind = op.get_bind()
    batch_cards = sa.table("batch_cards", sa.column("card_uid"), sa.column("chip_uid"))
    faces = [uid for row in bind.execute(sa.select(batch_cards.c.card_uid, batch_cards.c.chip_uid))
             for uid in row if uid]
    if not faces:
        return
    settings = sa.table("settings", sa.column("key"), sa.column("value_json"), sa.column("version"))
    counter = sa.table("change_counter", sa.column("id"), sa.column("value"))
    version = (bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar() or 0) + 1
    bind.execute(settings.insert().values(key="issued_cards", value_json=CardFilter.build(faces).to_json(),
                                          version=version))
    bind.execute(counter.update().where(counter.c.id == 1).values(value=version))


def _fill(scope: sa.Table) -> None:
    """Scope rows for the activity already stored, each with a fresh version so devices pull them."""
    from datetime import UTC, datetime

    bind = op.get_bind()
    events = sa.table("events", sa.column("device_id"), sa.column("customer_id"))
    devices = sa.table("devices", sa.column("device_id"), sa.column("store_id"))
    counter = sa.table("change_counter", sa.column("id"), sa.column("value"))
    pairs = bind.execute(sa.select(devices.c.store_id, events.c.customer_id).distinct()
                         .join(devices, devices.c.device_id == events.c.device_id)
                         .where(devices.c.store_id.is_not(None), events.c.customer_id.is_not(None))
                         .order_by(devices.c.store_id, events.c.customer_id)).all()
    if not pairs:
        return
    start = bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar() or 0
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    rows = [{"store_key": store, "customer_id": cid, "reason": "activity", "last_seen": now, "removed": False,
             "version": start + n} for n, (store, cid) in enumerate(pairs, 1)]
    for first in range(0, len(rows), 5000):
        bind.execute(scope.insert(), rows[first:first + 5000])
    bind.execute(counter.update().where(counter.c.id == 1).values(value=start + len(rows)))


def downgrade() -> None:
    op.drop_index("ix_customers_erased_version", "customers")
    op.drop_table("customer_scope")
