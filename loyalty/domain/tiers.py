"""Tiers: a customer's level from the points earned (net of refunds) over a rolling period of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loyalty.domain.ledger import Ledger

#: The longest tier period head office can set: lots older than this are never needed for a tier again.
MAX_PERIOD_DAYS = 731


@dataclass(frozen=True)
class Tier:
    """A level reached from `min_points` points earned within the period."""

    name: str
    min_points: int


@dataclass(frozen=True)
class TierScale:
    """Tiers from lowest to highest; the first starts at 0 points, so every customer has a tier."""

    period_days: int
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not 0 < self.period_days <= MAX_PERIOD_DAYS:
            raise ValueError(f"the tier period must be 1 to {MAX_PERIOD_DAYS} days")
        if not self.tiers or self.tiers[0].min_points != 0:
            raise ValueError("the first tier must start at 0 points")
        thresholds = [t.min_points for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tier thresholds must rise strictly from one tier to the next")
        if len({t.name for t in self.tiers}) != len(self.tiers):
            raise ValueError("tier names must differ")

    def tier_for(self, points: int) -> Tier:
        reached = self.tiers[0]
        for tier in self.tiers:
            if points >= tier.min_points:
                reached = tier
        return reached


def points_in_period(ledger: Ledger, customer_id: str, today: date, period_days: int) -> int:
    """Points earned (net of refunds) from `period_days - 1` days before `today` through `today`."""
    first = (today - timedelta(days=period_days - 1)).isoformat()
    last = today.isoformat()
    return sum(p for day, p in ledger.lots.get(customer_id, {}).items() if first <= day <= last)


def tier_of(ledger: Ledger, customer_id: str, today: date, scale: TierScale) -> Tier:
    return scale.tier_for(points_in_period(ledger, customer_id, today, scale.period_days))
