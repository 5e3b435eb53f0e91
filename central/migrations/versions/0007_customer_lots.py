"""Each customer's points by earning day (`lots`, JSON) and points spent or expired (`debits`), so devices can
tell what expires soon and which tier a customer is in; filled from the events already stored.

The fill folds every stored event in the order they happened (as `central.event_order` did: each device's own
sequence, devices merged by time), the order reports and the expiry run fold in: the expiry run decides each
`PointsExpired` from that fold, so the lots agree with what it took. Ingest afterwards starts from these rows
and folds each new batch in the same order, which is the same overall for events that arrive in time; only a device pushing late could interleave
differently, and then only a refund stored before its earn or an expiry capped by the balance could differ,
exactly as the stored balance already does. Customers whose lots change get a new version, so every device
pulls them again.

Revision ID: 0007
Revises: 0006
"""

import heapq
import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

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
    stored = [json.loads(payload) for payload, in bind.execute(sa.select(events.c.payload).order_by(events.c.id))]
    all_lots, all_debits = _fold_lots(_in_happened_order(stored))
    oldest_kept = _keep_from(datetime.now(UTC).date())
    known = set(bind.execute(sa.select(customers.c.customer_id)).scalars())
    rows = []
    for customer_id in sorted(known & (set(all_lots) | set(all_debits))):
        lots, debits = _compact(all_lots.get(customer_id, {}), all_debits.get(customer_id, 0), oldest_kept)
        if lots or debits:
            rows.append({"b_id": customer_id, "b_lots": json.dumps({day: lots[day] for day in sorted(lots)},
                                                                   separators=(",", ":")), "b_debits": debits})
    if not rows:
        return
    version = bind.execute(sa.select(counter.c.value).where(counter.c.id == 1)).scalar_one()
    for row in rows:
        version += 1
        row["b_version"] = version
    bind.execute(customers.update().where(customers.c.customer_id == sa.bindparam("b_id")).values(
        lots=sa.bindparam("b_lots"), debits=sa.bindparam("b_debits"), version=sa.bindparam("b_version")), rows)
    bind.execute(counter.update().where(counter.c.id == 1).values(value=version))


# What follows is a frozen copy of the rules this revision folded with (central's event order, the ledger's
# lots and debits, the domain's compaction), so the migration gives the same result whatever the live code
# later becomes. Records are the stored events' JSON, checked when they were pushed.
_LONG_AGO = datetime.min.replace(tzinfo=UTC)
_MAX_PERIOD_DAYS = 731  # the longest tier period
_CLOCK_MARGIN_DAYS = 2


def _moment(record: dict) -> datetime:
    try:
        return datetime.fromisoformat(record["at"]).astimezone(UTC)
    except ValueError:
        return _LONG_AGO


def _in_happened_order(records: list[dict]) -> list[dict]:
    """Each device's events in sequence order, the devices merged by time (ties by device id)."""
    by_device: dict[str, list[dict]] = {}
    for record in records:
        by_device.setdefault(record["device_id"], []).append(record)
    streams = [sorted(stream, key=lambda r: r.get("seq") or 0) for _, stream in sorted(by_device.items())]
    return list(heapq.merge(*streams, key=_moment))


def _fold_lots(records: list[dict]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Each customer's points by earning day and points spent or expired, as the ledger folded them."""
    balances: dict[str, int] = {}
    lots: dict[str, dict[str, int]] = {}
    debits: dict[str, int] = {}
    earns: dict[str, list] = {}  # earn event id -> [customer, points, points reversed, day]
    seen: set[str] = set()

    def add(customer_id: str, delta: int) -> None:
        balances[customer_id] = balances.get(customer_id, 0) + delta

    def lot(customer_id: str, day: str, delta: int) -> None:
        days = lots.setdefault(customer_id, {})
        days[day] = days.get(day, 0) + delta

    def debit(customer_id: str, points: int) -> None:
        debits[customer_id] = debits.get(customer_id, 0) + points

    for r in records:
        if r["event_id"] in seen:
            continue
        seen.add(r["event_id"])
        kind, day = r["type"], r["at"][:10]
        if kind == "PointsEarned":
            add(r["customer_id"], r["points"])
            earns[r["event_id"]] = [r["customer_id"], r["points"], 0, day]
            lot(r["customer_id"], day, r["points"])
        elif kind == "EarnReversed":
            earn = earns.get(r["earn_event_id"])
            points = min(r["points"], earn[1] - earn[2]) if earn is not None else 0
            if earn is not None:
                earn[2] += points
                lot(earn[0], earn[3], -points)
            add(r["customer_id"], -points)
        elif kind == "PointsRedeemed":
            add(r["customer_id"], -r["points"])
            debit(r["customer_id"], r["points"])
        elif kind == "PointsExpired":
            points = max(0, min(r["points"], balances.get(r["customer_id"], 0)))
            add(r["customer_id"], -points)
            debit(r["customer_id"], points)
        elif kind in ("RedemptionCancelled", "PoolContributionReversed"):
            add(r["customer_id"], r["points"])
        elif kind == "PoolContributed":
            add(r["customer_id"], -r["points"])
        elif kind == "PointsAdjusted":
            if r["delta"] >= 0:
                add(r["customer_id"], r["delta"])
                lot(r["customer_id"], day, r["delta"])
            else:
                points = max(0, min(-r["delta"], balances.get(r["customer_id"], 0)))
                add(r["customer_id"], -points)
                debit(r["customer_id"], points)
        elif kind == "PointsMoved":
            add(r["from_customer_id"], -r["balance"])
            add(r["customer_id"], r["balance"])
            for lot_day, points in r.get("lots", ()):
                lot(r["from_customer_id"], lot_day, -points)
                lot(r["customer_id"], lot_day, points)
            debit(r["from_customer_id"], -r["debits"])
            debit(r["customer_id"], r["debits"])
    return lots, debits


def _keep_from(today: date) -> str:
    return (today - timedelta(days=_MAX_PERIOD_DAYS + _CLOCK_MARGIN_DAYS)).isoformat()


def _compact(lots: dict[str, int], debits: int, oldest_kept: str) -> tuple[dict[str, int], int]:
    """The lots without those consumed by debits (oldest first) and older than `oldest_kept`, and the debits left."""
    kept: dict[str, int] = {}
    dropped = 0
    folding = True
    for day in sorted(lots):
        points = lots[day]
        if folding and day < oldest_kept and dropped + points <= debits:
            dropped += points
            continue
        folding = False
        if points:
            kept[day] = points
    return kept, debits - dropped


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("debits")
        batch.drop_column("lots")
