"""The earning scale: how many points a receipt earns, in integers only, rounded down once per category.

A receipt is split into categories (amounts in cents). For each category the exact number of points is
    cents × base_points × category_multiplier% × promotion_multiplier% / (per_cents × 100 × 100)
and is floored once, on that category's total. The receipt total is then capped per receipt, then by
what is left of the customer's daily cap. No float is ever involved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from loyalty.errors import InvalidAmount

#: Default category for receipts keyed without a split.
DEFAULT_CATEGORY = "general"
#: Above this a receipt is refused as a keying mistake (100 000 € by default; configurable per scale).
MAX_RECEIPT_CENTS = 10_000_000


def check_cents(value: object, what: str = "amount", *, maximum: int = MAX_RECEIPT_CENTS) -> int:
    """Return `value` if it is a whole, non-negative number of cents not above `maximum`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"{what} must be a whole number of cents, got {value!r}")
    if value < 0:
        raise InvalidAmount(f"{what} cannot be negative, got {value}")
    if value > maximum:
        raise InvalidAmount(f"{what} of {value} cents is above the allowed maximum of {maximum} cents")
    return value


@dataclass(frozen=True)
class Promotion:
    """A dated multiplier (e.g. double points weekend), inclusive of both ends.

    `categories` empty means every category. When several promotions cover the same category on the same
    day, the best one applies: promotions never stack.
    """

    name: str
    starts: date
    ends: date
    multiplier_pct: int
    categories: frozenset[str] = frozenset()

    def applies(self, day: date, category: str) -> bool:
        return self.starts <= day <= self.ends and (not self.categories or category in self.categories)


@dataclass(frozen=True)
class EarningScale:
    """Points earned per `per_cents` spent (e.g. 1 point per 100 cents), with multipliers and caps."""

    base_points: int = 1
    per_cents: int = 100
    category_multipliers_pct: Mapping[str, int] = field(default_factory=dict)
    promotions: tuple[Promotion, ...] = ()
    receipt_cap: int | None = None
    daily_cap: int | None = None
    max_receipt_cents: int = MAX_RECEIPT_CENTS

    def __post_init__(self) -> None:
        if self.base_points < 0 or self.per_cents <= 0:
            raise ValueError("base_points must be >= 0 and per_cents > 0")
        for name, pct in self.category_multipliers_pct.items():
            if pct < 0:
                raise ValueError(f"category multiplier for {name!r} cannot be negative")
        for promo in self.promotions:
            if promo.multiplier_pct < 0 or promo.ends < promo.starts:
                raise ValueError(f"promotion {promo.name!r} has a negative multiplier or ends before it starts")

    def category_pct(self, category: str) -> int:
        return self.category_multipliers_pct.get(category, 100)

    def promotion_pct(self, day: date, category: str) -> tuple[int, str | None]:
        """The best promotion multiplier for this category on this day (100 and None when there is none)."""
        best, name = 100, None
        for promo in self.promotions:
            if promo.applies(day, category) and promo.multiplier_pct > best:
                best, name = promo.multiplier_pct, promo.name
        return best, name


@dataclass(frozen=True)
class CategoryPoints:
    """What one category of a receipt earned, before caps."""

    category: str
    cents: int
    points: int
    promotion: str | None = None


@dataclass(frozen=True)
class EarnQuote:
    """The points a receipt earns, with the per-category detail and which cap (if any) cut it."""

    points: int
    uncapped_points: int
    lines: tuple[CategoryPoints, ...]
    capped_by: str | None = None

    @property
    def amount_cents(self) -> int:
        return sum(line.cents for line in self.lines)


def exact_points_fraction(scale: EarningScale, cents: int, category: str, day: date) -> tuple[int, int]:
    """The exact (unrounded) points of one category as a numerator/denominator pair of integers."""
    promo_pct, _ = scale.promotion_pct(day, category)
    numerator = cents * scale.base_points * scale.category_pct(category) * promo_pct
    return numerator, scale.per_cents * 100 * 100


def quote_earn(
    scale: EarningScale,
    lines: Mapping[str, int],
    day: date,
    earned_today: int = 0,
) -> EarnQuote:
    """Compute the points a receipt earns: floor once per category, then receipt cap, then daily cap."""
    if not lines:
        raise InvalidAmount("a receipt needs at least one amount")
    total_cents = 0
    detail = []
    for category in sorted(lines):
        cents = check_cents(lines[category], f"amount for {category!r}", maximum=scale.max_receipt_cents)
        total_cents += cents
        numerator, denominator = exact_points_fraction(scale, cents, category, day)
        _, promo_name = scale.promotion_pct(day, category)
        detail.append(CategoryPoints(category, cents, numerator // denominator, promo_name))
    check_cents(total_cents, "receipt total", maximum=scale.max_receipt_cents)
    if isinstance(earned_today, bool) or not isinstance(earned_today, int) or earned_today < 0:
        raise InvalidAmount(f"points earned today must be a whole number >= 0, got {earned_today!r}")

    uncapped = sum(line.points for line in detail)
    points, capped_by = uncapped, None
    if scale.receipt_cap is not None and points > scale.receipt_cap:
        points, capped_by = scale.receipt_cap, "receipt"
    if scale.daily_cap is not None:
        room = max(0, scale.daily_cap - earned_today)
        if points > room:
            points, capped_by = room, "day"
    return EarnQuote(points=points, uncapped_points=uncapped, lines=tuple(detail), capped_by=capped_by)


def points_to_reverse(
    earned_points: int, earned_cents: int, refunded_before_cents: int, refund_cents: int, reversed_before: int
) -> int:
    """Points a refund takes back: the floor of the cumulative refunded share, minus what was taken already.

    Working on cumulative amounts means several partial refunds adding up to the whole receipt take back
    exactly the points it earned, never more.
    """
    if earned_cents <= 0:
        return max(0, earned_points - reversed_before)
    refunded_total = min(earned_cents, refunded_before_cents + refund_cents)
    target = earned_points * refunded_total // earned_cents
    return max(0, min(earned_points, target) - reversed_before)
