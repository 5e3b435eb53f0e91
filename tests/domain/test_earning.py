"""The earning scale: exact examples, then properties over random scales and receipts."""

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.domain.earning import (
    EarningScale,
    Promotion,
    exact_points_fraction,
    points_to_reverse,
    quote_earn,
)
from loyalty.errors import InvalidAmount

DAY = date(2026, 12, 15)


def test_one_point_per_euro_floors_once_on_the_category_total():
    scale = EarningScale(base_points=1, per_cents=100)
    quote = quote_earn(scale, {"general": 4790}, DAY)
    assert quote.points == 47
    assert quote.capped_by is None


def test_category_multiplier_and_best_promotion_apply_per_category():
    scale = EarningScale(
        category_multipliers_pct={"hygiene": 150},
        promotions=(
            Promotion("double", date(2026, 12, 14), date(2026, 12, 20), 200, frozenset({"hygiene"})),
            Promotion("small", date(2026, 12, 1), date(2026, 12, 31), 120),
        ),
    )
    quote = quote_earn(scale, {"general": 3590, "hygiene": 1200}, DAY)
    by_category = {line.category: line for line in quote.lines}
    assert by_category["general"].points == 43  # 35.90 € × 1 × 1.2 = 43.08
    assert by_category["general"].promotion == "small"
    assert by_category["hygiene"].points == 36  # 12 € × 1.5 × 2 (best promotion, not stacked)
    assert by_category["hygiene"].promotion == "double"
    assert quote.points == 79


def test_promotion_outside_its_dates_does_not_apply():
    scale = EarningScale(promotions=(Promotion("x", date(2026, 1, 1), date(2026, 1, 2), 300),))
    assert quote_earn(scale, {"general": 1000}, DAY).points == 10


def test_receipt_cap_then_daily_cap():
    scale = EarningScale(receipt_cap=50, daily_cap=80)
    assert quote_earn(scale, {"general": 10_000}, DAY).points == 50
    second = quote_earn(scale, {"general": 10_000}, DAY, earned_today=50)
    assert (second.points, second.capped_by) == (30, "day")
    assert quote_earn(scale, {"general": 10_000}, DAY, earned_today=80).points == 0


@pytest.mark.parametrize("amount", [-1, 12.5, "12", True, None, 10**12])
def test_absurd_amounts_are_refused_with_a_clear_error(amount):
    with pytest.raises(InvalidAmount):
        quote_earn(EarningScale(), {"general": amount}, DAY)


def test_empty_receipt_is_refused():
    with pytest.raises(InvalidAmount):
        quote_earn(EarningScale(), {}, DAY)


categories = st.sampled_from(["general", "hygiene", "bulk", "home"])
scales = st.builds(
    EarningScale,
    base_points=st.integers(0, 20),
    per_cents=st.integers(1, 10_000),
    category_multipliers_pct=st.dictionaries(categories, st.integers(0, 500), max_size=4),
    promotions=st.lists(
        st.builds(
            Promotion,
            name=st.text(min_size=1, max_size=5),
            starts=st.dates(date(2026, 12, 1), date(2026, 12, 15)),
            ends=st.dates(date(2026, 12, 15), date(2026, 12, 31)),
            multiplier_pct=st.integers(0, 400),
            categories=st.frozensets(categories, max_size=2),
        ),
        max_size=3,
    ).map(tuple),
    receipt_cap=st.none() | st.integers(0, 1000),
    daily_cap=st.none() | st.integers(0, 2000),
)
receipts = st.dictionaries(categories, st.integers(0, 2_500_000), min_size=1, max_size=4)  # total within the maximum


@given(scales, receipts, st.integers(0, 3000))
def test_floor_never_awards_more_than_the_exact_scale(scale, lines, earned_today):
    quote = quote_earn(scale, lines, DAY, earned_today)
    exact = sum(Fraction(*exact_points_fraction(scale, cents, cat, DAY)) for cat, cents in lines.items())
    assert quote.points <= quote.uncapped_points <= exact
    # Rounding happens once per category: each category loses less than one point.
    assert exact - quote.uncapped_points < len(lines)


@given(scales, receipts, st.integers(0, 3000))
def test_caps_always_hold(scale, lines, earned_today):
    quote = quote_earn(scale, lines, DAY, earned_today)
    assert quote.points >= 0
    if scale.receipt_cap is not None:
        assert quote.points <= scale.receipt_cap
    if scale.daily_cap is not None:
        assert earned_today + quote.points <= max(scale.daily_cap, earned_today)


@given(scales, receipts)
def test_no_float_anywhere_in_amounts(scale, lines):
    quote = quote_earn(scale, lines, DAY)
    for value in (
        quote.points,
        quote.uncapped_points,
        quote.amount_cents,
        *(line.points for line in quote.lines),
        *(line.cents for line in quote.lines),
    ):
        assert type(value) is int


@given(st.integers(0, 10_000), st.integers(1, 1_000_000), st.lists(st.integers(1, 1_000_000), max_size=6))
def test_partial_refunds_never_take_more_than_earned_and_the_whole_takes_it_all(points, cents, parts):
    refunded = reversed_points = 0
    for part in parts:
        part = min(part, cents - refunded)
        taken = points_to_reverse(points, cents, refunded, part, reversed_points)
        assert taken >= 0
        refunded += part
        reversed_points += taken
        assert reversed_points <= points
    reversed_points += points_to_reverse(points, cents, refunded, cents - refunded, reversed_points)
    assert reversed_points == points
