"""Expiry and tiers in the domain: expiry is an event folded exactly by the ledger (oldest points first),
checked against a plain first-in-first-out model; tiers count net points over a rolling window."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.events import EarnReversed, PointsEarned, PointsExpired, PointsRedeemed, from_record, to_record
from loyalty.domain.expiry import ExpiryRule, expire, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.tiers import Tier, TierScale, points_in_period, tier_of
from loyalty.errors import InvalidEvent

START = date(2026, 1, 1)
CUSTOMER = "cust-1"


def _at(day: date) -> str:
    return f"{day.isoformat()}T12:00:00+01:00"


def _earn(day: date, points: int) -> PointsEarned:
    return PointsEarned(
        device_id="till-1",
        at=_at(day),
        customer_id=CUSTOMER,
        receipt_ref=f"R-{day}-{points}",
        amount_cents=points * 100,
        points=points,
    )


# One step: (kind, day offset, amount). Kinds: earn, redeem (if affordable), expire (rule applied that day).
steps = st.lists(
    st.tuples(st.sampled_from(["earn", "earn", "redeem", "expire"]), st.integers(0, 120), st.integers(1, 300)),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(script=steps, after_days=st.integers(1, 60))
def test_expiry_matches_a_fifo_model_and_is_exact_in_the_ledger(script, after_days):
    rule = ExpiryRule(after_days=after_days, notice_days=10)
    ledger = Ledger()
    lots: list[list] = []  # [day, remaining] oldest first: the reference model
    for kind, offset, amount in sorted(script, key=lambda s: s[1]):
        day = START + timedelta(days=offset)
        if kind == "earn":
            ledger.apply(_earn(day, amount))
            lots.append([day, amount])
        elif kind == "redeem":
            if amount > ledger.balance(CUSTOMER):
                continue
            ledger.apply(
                PointsRedeemed(
                    device_id="till-1",
                    at=_at(day),
                    customer_id=CUSTOMER,
                    reward_id="mug",
                    reward_kind="in_house",
                    points=amount,
                )
            )
            left = amount
            for lot in lots:
                taken = min(left, lot[1])
                lot[1] -= taken
                left -= taken
        else:
            through = rule.through_day(day)
            expected = sum(lot[1] for lot in lots if lot[0] <= through)
            before = ledger.balance(CUSTOMER)
            event = expire(ledger, CUSTOMER, day, rule, device_id="central", at=_at(day))
            assert (event.points if event else 0) == expected
            if event:
                assert from_record(to_record(event)) == event
                ledger.apply(event)
                assert ledger.balance(CUSTOMER) == before - expected
                for lot in lots:
                    if lot[0] <= through:
                        lot[1] = 0
            assert expire(ledger, CUSTOMER, day, rule, device_id="central") is None  # nothing left due
        assert ledger.balance(CUSTOMER) == sum(lot[1] for lot in lots) >= 0


@settings(max_examples=100, deadline=None)
@given(
    earns=st.lists(st.tuples(st.integers(0, 90), st.integers(1, 200)), min_size=1, max_size=15),
    refund_share=st.integers(0, 100),
    claimed=st.integers(0, 10_000),
    today=st.integers(0, 200),
)
def test_expiry_never_takes_more_than_the_balance_and_refunds_reduce_the_lot(earns, refund_share, claimed, today):
    ledger = Ledger()
    events = [_earn(START + timedelta(days=d), p) for d, p in earns]
    for event in events:
        ledger.apply(event)
    first = events[0]
    taken = first.points * refund_share // 100
    ledger.apply(
        EarnReversed(
            device_id="till-1",
            at=first.at,
            customer_id=CUSTOMER,
            earn_event_id=first.event_id,
            receipt_ref=first.receipt_ref,
            refund_cents=first.amount_cents * refund_share // 100,
            points=taken,
        )
    )
    through = (START + timedelta(days=today)).isoformat()
    due = ledger.expirable(CUSTOMER, through)
    assert due == sum(e.points for e in events if e.day <= through) - taken * (first.day <= through)
    before = ledger.balance(CUSTOMER)
    ledger.apply(PointsExpired(device_id="central", customer_id=CUSTOMER, points=claimed, through_day=through))
    assert ledger.balance(CUSTOMER) == before - min(claimed, before) >= 0


def test_the_notice_says_what_goes_next_and_when():
    ledger = Ledger()
    for day, points in ((date(2026, 1, 10), 40), (date(2026, 1, 20), 25), (date(2026, 3, 1), 10)):
        ledger.apply(_earn(day, points))
    rule = ExpiryRule(after_days=30, notice_days=15)
    soon = notice(ledger, CUSTOMER, date(2026, 2, 5), rule)
    assert (soon.points, soon.first_day) == (65, date(2026, 2, 9))  # 30 days after 10 January
    assert notice(ledger, CUSTOMER, date(2026, 3, 1), rule).points == 0  # 65 already due, not "coming"
    assert expire(ledger, CUSTOMER, date(2026, 3, 1), rule, device_id="central").points == 65


def test_an_expiry_record_is_checked():
    with pytest.raises(InvalidEvent):
        from_record(
            {
                "type": "PointsExpired",
                "device_id": "central",
                "customer_id": "c",
                "points": -1,
                "through_day": "2026-01-01",
            }
        )


SCALE = TierScale(period_days=30, tiers=(Tier("bronze", 0), Tier("silver", 200), Tier("gold", 1000)))


@settings(max_examples=100, deadline=None)
@given(earns=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 400)), max_size=20), today=st.integers(0, 120))
def test_tier_counts_the_rolling_window(earns, today):
    ledger = Ledger()
    for offset, points in earns:
        ledger.apply(_earn(START + timedelta(days=offset), points))
    day = START + timedelta(days=today)
    window = sum(p for offset, p in earns if today - 29 <= offset <= today)
    assert points_in_period(ledger, CUSTOMER, day, 30) == window
    expected = "gold" if window >= 1000 else "silver" if window >= 200 else "bronze"
    assert tier_of(ledger, CUSTOMER, day, SCALE).name == expected


@pytest.mark.parametrize("tiers", [(), (Tier("a", 10),), (Tier("a", 0), Tier("b", 0)), (Tier("a", 0), Tier("a", 5))])
def test_bad_tier_scales_are_refused(tiers):
    with pytest.raises(ValueError):
        TierScale(period_days=30, tiers=tiers)
