"""Each customer's points by earning day (`lots`, JSON) and points spent or expired (`debits`), so devices can
tell what expires soon and which tier a customer is in; filled from the events already stored.

The fill folds every stored event in the order they happened (`central.event_order`: each device's own
sequence, devices merged by time), the order reports and the expiry run fold in: the expiry run decides each
`PointsExpired` from that fold, so the lots agree with what it took. Ingest afterwards starts from these rows
and folds each new batch in the same order, which is the same overall for events that arrive in time; only a device pushing late could interleave
differently, and then only a refund stored before its earn or an expiry capped by the balance could differ,
exactly as the stored balance already does. Customers whose lots change get a new version, so every device
pulls them again.

Revision ID: 0007
Revises: 0006
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from central.event_order import in_happened_order
from loyalty.domain.events import from_record
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import compact, keep_from, lots_to_json

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("lots", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("debits", sa.BigInteger, nullable=False, server_default="0"))
    _fill()


def _fill() -> None:
    """Fold the stored events into each customer's lots and debits, with versions from the change counter."""
    bind = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("payload"))
    customers = sa.table("customers", sa.column("customer_id"), sa.column("lots"), sa.column("debits"),
                         sa.column("version"))
    counter = sa.table("change_counter", sa.column("id"), sa.column("value"))
    stored = [from_record(json.loads(payload)) for payload, in
              bind.execute(sa.select(events.c.payload).order_by(events.c.id))]
    ledger = Ledger.fold(in_happened_order(stored))
    oldest_kept = keep_from(datetime.now(UTC).date())
    known = set(bind.execute(sa.select(customers.c.customer_id)).scalars())
    rows = []
    for customer_id in sorted(known & (set(ledger.lots) | set(ledger.debits))):
        lots, debits = compact(ledger.lots.get(customer_id, {}), ledger.debits.get(customer_id, 0), oldest_kept)
        if lots or debits:
            rows.append({"b_id": customer_id, "b_lots": lots_to_json(lots), "b_debits": debits})
    if not rows:
        return
    version = bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()
    for row in rows:
        version += 1
        row["b_version"] = version
    bind.execute(customers.update().where(customers.c.customer_id == sa.bindparam("b_id")).values(
        lots=sa.bindparam("b_lots"), debits=sa.bindparam("b_debits"), version=sa.bindparam("b_version")), rows)
    bind.execute(counter.update().where(counter.c.id == 1).values(value=version))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("debits")
        batch.drop_column("lots")
