"""Report totals per day, device and cashier, kept at each push (filled from the events already stored).

The fill folds the stored ledger in the order it happened with the tally ingest used then (`ReportTally`), so
the back office shows the figures it showed before the migration, now without re-reading the ledger.

Revision ID: 0010
Revises: 0009
"""

import heapq
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    day_totals = op.create_table(
        "report_day_totals",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("cashier_id", sa.String(64), primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False) for name in _DAY_FIGURES],
    )
    reward_days = op.create_table(
        "report_reward_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("reward_id", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(64), primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False) for name in _REWARD_FIGURES],
    )
    active_days = op.create_table(
        "report_active_days",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
    )
    _fill(day_totals, reward_days, active_days)


def _fill(day_totals: sa.Table, reward_days: sa.Table, active_days: sa.Table) -> None:
    bind = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("payload"))
    stored = [json.loads(payload) for payload, in bind.execute(sa.select(events.c.payload).order_by(events.c.id))]
    days, rewards, active = _tally(_in_happened_order(stored))
    day_rows = [{"day": d, "device_id": dev, "cashier_id": c, **dict(zip(_DAY_FIGURES, v, strict=True))}
                for (d, dev, c), v in sorted(days.items())]
    reward_rows = [{"day": d, "device_id": dev, "kind": k, "reward_id": r, "partner": p,
                    **dict(zip(_REWARD_FIGURES, v, strict=True))} for (d, dev, k, r, p), v in sorted(rewards.items())]
    active_rows = [{"day": d, "device_id": dev, "customer_id": c} for d, dev, c in sorted(active)]
    for table, rows in ((day_totals, day_rows), (reward_days, reward_rows), (active_days, active_rows)):
        for start in range(0, len(rows), 5000):
            bind.execute(table.insert(), rows[start:start + 5000])


# What follows is a frozen copy of the rules this revision filled the totals with (the columns, central's event
# order, the ledger's balance rules and the report tally), so the migration gives the same result whatever the
# live code later becomes. Records are the stored events' JSON, checked when they were pushed.
_NO_CASHIER = "-"
_KEY_WIDTH = 64
_DAY_FIGURES = ("points_earned", "points_reversed", "points_redeemed", "points_expired", "balance_change",
                "earn_operations", "customers_registered")
_REWARD_FIGURES = ("redemptions", "quantity", "points", "vouchers_issued", "face_value_cents")
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


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


def _move_balances(r: dict, balances: dict[str, int], earns: dict[str, list[int]]) -> None:
    """What one event does to customers' balances, as the ledger folded it."""
    def add(customer_id: str, delta: int) -> None:
        balances[customer_id] = balances.get(customer_id, 0) + delta

    kind = r["type"]
    if kind == "PointsEarned":
        add(r["customer_id"], r["points"])
        earns[r["event_id"]] = [r["points"], 0]
    elif kind == "EarnReversed":
        earn = earns.get(r["earn_event_id"])
        points = min(r["points"], earn[0] - earn[1]) if earn is not None else 0
        if earn is not None:
            earn[1] += points
        add(r["customer_id"], -points)
    elif kind in ("PointsRedeemed", "PoolContributed"):
        add(r["customer_id"], -r["points"])
    elif kind in ("RedemptionCancelled", "PoolContributionReversed"):
        add(r["customer_id"], r["points"])
    elif kind in ("PointsExpired", "PointsAdjusted"):
        delta = -r["points"] if kind == "PointsExpired" else r["delta"]
        add(r["customer_id"], delta if delta >= 0 else -max(0, min(-delta, balances.get(r["customer_id"], 0))))
    elif kind == "PointsMoved":
        add(r["from_customer_id"], -r["balance"])
        add(r["customer_id"], r["balance"])
    elif kind == "CustomerRegistered":
        balances.setdefault(r["customer_id"], 0)


def _tally(records: list[dict]) -> tuple[dict, dict, set]:
    """Per day, device and cashier what the events moved; per reward what was redeemed; who was active where."""
    balances: dict[str, int] = {}
    earns: dict[str, list[int]] = {}
    seen: set[str] = set()
    days: dict[tuple[str, str, str], list[int]] = {}
    rewards: dict[tuple[str, str, str, str, str], list[int]] = {}
    active: set[tuple[str, str, str]] = set()
    for r in records:
        if r["type"] == "PointsMoved":
            touched = (r["from_customer_id"], r["customer_id"])
        else:
            touched = (r["customer_id"],) if r.get("customer_id") else ()
        before = sum(balances.get(c, 0) for c in touched)
        if r["event_id"] in seen:
            continue
        seen.add(r["event_id"])
        _move_balances(r, balances, earns)
        after = sum(balances.get(c, 0) for c in touched)
        kind, day = r["type"], r["at"][:10]
        device, cashier = r["device_id"][:_KEY_WIDTH], (r.get("cashier_id") or _NO_CASHIER)[:_KEY_WIDTH]
        row = days.setdefault((day, device, cashier), [0] * len(_DAY_FIGURES))
        row[4] += after - before
        if kind == "PointsEarned":
            row[0] += r["points"]
            row[5] += 1
            active.add((day, device, r["customer_id"][:_KEY_WIDTH]))
        elif kind == "CustomerRegistered":
            row[6] += 1
        elif kind == "EarnReversed":
            row[1] += before - after
        elif kind == "PointsExpired":
            row[3] += before - after
        elif kind == "PointsRedeemed":
            row[2] += r["points"]
            active.add((day, device, r["customer_id"][:_KEY_WIDTH]))
            reward = rewards.setdefault((day, device, r["reward_kind"], r["reward_id"][:_KEY_WIDTH], ""),
                                        [0] * len(_REWARD_FIGURES))
            reward[0] += 1
            reward[1] += r.get("quantity", 1)
            reward[2] += r["points"]
        elif kind == "VoucherIssued":
            reward = rewards.setdefault((day, device, "partner_voucher", "", r["partner"][:_KEY_WIDTH]),
                                        [0] * len(_REWARD_FIGURES))
            reward[3] += 1
            reward[4] += r["face_value_cents"]
    return days, rewards, active


def downgrade() -> None:
    op.drop_table("report_active_days")
    op.drop_table("report_reward_days")
    op.drop_table("report_day_totals")
