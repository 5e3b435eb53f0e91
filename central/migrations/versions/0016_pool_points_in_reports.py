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
_DAY = ("points_earned", "points_reversed", "points_redeemed", "points_expired", "balance_change", "earn_operations",
        "customers_registered")
_REWARD = ("redemptions", "quantity", "points", "vouchers_issued", "face_value_cents")


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
    day_totals = sa.table("report_day_totals", *[sa.column(name) for name in ("day", "device_id", "cashier_id", *_DAY)])
    reward_days = sa.table(
        "report_reward_days", *[sa.column(name) for name in ("day", "device_id", "kind", "reward_id", "partner", *_REWARD)]
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
        key = {"day": day, "device_id": device, "cashier_id": cashier}
        _add_to(bind, day_totals, key, {"points_redeemed": sign * redeemed, "balance_change": sign * change}, _DAY)
    for (day, device, kind, reward_id), (count, quantity, points) in sorted(rewards.items()):
        key = {"day": day, "device_id": device, "kind": kind, "reward_id": reward_id, "partner": ""}
        added = {"redemptions": sign * count, "quantity": sign * quantity, "points": sign * points}
        _add_to(bind, reward_days, key, added, _REWARD)
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


def _add_to(bind, table: sa.TableClause, key: dict, added: dict, figures: tuple[str, ...]) -> None:
    """Add to the figures of the row with this key, or make that row (its other figures at 0)."""
    moved = bind.execute(
        table.update()
        .where(*[table.c[name] == value for name, value in key.items()])
        .values({table.c[name]: table.c[name] + value for name, value in added.items()})
    )
    if moved.rowcount == 0:
        bind.execute(table.insert().values({**key, **dict.fromkeys(figures, 0), **added}))
