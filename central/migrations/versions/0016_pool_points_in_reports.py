"""Report totals count what pools hold as outstanding and a pool's redemptions as redeemed.

Until this revision the totals followed customers' balances only: an earn's share moved to a pool counted as
points gone, a refund's share given back as points new, and a pool's redemption counted nowhere. Each stored
pool event's difference is added to the totals here, so they read as if counted the new way from the start.
A pool share of an earn that repeated a receipt already credited (flagged for review, never folded) moves
nothing and is left out.

Revision ID: 0016
Revises: 0015
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Frozen: the totals' key rules of 0010 (a migration imports no live code).
_NO_CASHIER = "-"
_KEY_WIDTH = 64
_POOL_EVENTS = ("PoolContributed", "PoolContributionReversed", "PoolRedeemed")


def upgrade() -> None:
    _correct(+1)


def downgrade() -> None:
    """The old way back: the same differences taken off (the days a pool's redemption made active stay)."""
    _correct(-1)


def _correct(sign: int) -> None:
    bind = op.get_bind()
    events = sa.table(
        "events", sa.column("id"), sa.column("event_id"), sa.column("type"), sa.column("payload"), sa.column("review")
    )
    day_totals = sa.table(
        "report_day_totals",
        *[sa.column(name) for name in ("day", "device_id", "cashier_id", "points_redeemed", "balance_change")],
    )
    reward_days = sa.table(
        "report_reward_days",
        *[sa.column(name) for name in ("day", "device_id", "kind", "reward_id", "partner")],
        *[sa.column(name) for name in ("redemptions", "quantity", "points")],
    )
    active_days = sa.table("report_active_days", sa.column("day"), sa.column("device_id"), sa.column("customer_id"))
    days: dict[tuple[str, str, str], list[int]] = {}
    rewards: dict[tuple[str, str, str, str], list[int]] = {}
    active: set[tuple[str, str, str]] = set()
    repeated = set(
        bind.execute(
            sa.select(events.c.event_id).where(events.c.type == "PointsEarned", events.c.review.is_(True))
        ).scalars()
    )
    rows = bind.execute(sa.select(events.c.payload).where(events.c.type.in_(_POOL_EVENTS)).order_by(events.c.id))
    for (payload,) in rows:
        r = json.loads(payload)
        if r["type"] == "PoolContributed" and r["earn_event_id"] in repeated:
            continue
        day, device = r["at"][:10], r["device_id"][:_KEY_WIDTH]
        row = days.setdefault((day, device, (r.get("cashier_id") or _NO_CASHIER)[:_KEY_WIDTH]), [0, 0])
        if r["type"] == "PoolContributed":  # counted as the member's points gone: they are in the pool
            row[1] += r["points"]
        elif r["type"] == "PoolContributionReversed":  # counted as the member's points new: they left the pool
            row[1] -= r["points"]
        else:  # PoolRedeemed, counted nowhere: the pool's points are spent
            row[0] += r["points"]
            row[1] -= r["points"]
            reward = rewards.setdefault((day, device, r["reward_kind"], r["reward_id"][:_KEY_WIDTH]), [0, 0, 0])
            reward[0] += 1
            reward[1] += r.get("quantity", 1)
            reward[2] += r["points"]
            active.add((day, device, r["customer_id"][:_KEY_WIDTH]))
    for (day, device, cashier), (redeemed, change) in sorted(days.items()):
        key = (day_totals.c.day == day, day_totals.c.device_id == device, day_totals.c.cashier_id == cashier)
        moved = bind.execute(
            day_totals.update()
            .where(*key)
            .values(
                points_redeemed=day_totals.c.points_redeemed + sign * redeemed,
                balance_change=day_totals.c.balance_change + sign * change,
            )
        )
        if moved.rowcount == 0:
            bind.execute(
                sa.text(
                    "INSERT INTO report_day_totals (day, device_id, cashier_id, points_earned, points_reversed,"
                    " points_redeemed, points_expired, balance_change, earn_operations, customers_registered)"
                    " VALUES (:day, :device, :cashier, 0, 0, :redeemed, 0, :change, 0, 0)"
                ),
                {"day": day, "device": device, "cashier": cashier, "redeemed": redeemed, "change": change},
            )
    for (day, device, kind, reward_id), (count, quantity, points) in sorted(rewards.items()):
        key = (
            reward_days.c.day == day,
            reward_days.c.device_id == device,
            reward_days.c.kind == kind,
            reward_days.c.reward_id == reward_id,
            reward_days.c.partner == "",
        )
        moved = bind.execute(
            reward_days.update()
            .where(*key)
            .values(
                redemptions=reward_days.c.redemptions + sign * count,
                quantity=reward_days.c.quantity + sign * quantity,
                points=reward_days.c.points + sign * points,
            )
        )
        if moved.rowcount == 0:
            bind.execute(
                sa.text(
                    "INSERT INTO report_reward_days (day, device_id, kind, reward_id, partner, redemptions, quantity,"
                    " points, vouchers_issued, face_value_cents)"
                    " VALUES (:day, :device, :kind, :reward_id, '', :count, :quantity, :points, 0, 0)"
                ),
                {"day": day, "device": device, "kind": kind, "reward_id": reward_id, "count": count,
                 "quantity": quantity, "points": points},
            )
    for day, device, customer_id in sorted(active if sign > 0 else ()):
        held = bind.execute(
            sa.select(sa.func.count())
            .select_from(active_days)
            .where(
                active_days.c.day == day, active_days.c.device_id == device, active_days.c.customer_id == customer_id
            )
        ).scalar_one()
        if not held:
            bind.execute(active_days.insert().values(day=day, device_id=device, customer_id=customer_id))


