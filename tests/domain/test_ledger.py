"""The ledger fold and the operations that make events: properties over random event histories."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain import operations
from loyalty.domain.earning import EarningScale
from loyalty.domain.events import (
    CustomerErased,
    CustomerRegistered,
    EarnReversed,
    PointsEarned,
    PointsRedeemed,
    from_record,
    to_record,
)
from loyalty.domain.ledger import Ledger
from loyalty.domain.rewards import Reward
from loyalty.errors import InsufficientPoints, InvalidAmount, NothingToReverse, UnknownReceipt

DEVICE = "till-1"
CUSTOMERS = ["c1", "c2", "c3"]
COFFEE = Reward("coffee", "in_house", "Café offert", 30)


def _simulate(steps):
    """Run random operations through the domain, returning every event they produced."""
    ledger, events = Ledger(), []
    scale = EarningScale(daily_cap=400)
    for n, (action, customer, amount) in enumerate(steps):
        try:
            if action == "earn":
                event, _ = operations.earn(
                    ledger,
                    scale,
                    device_id=DEVICE,
                    customer_id=customer,
                    receipt_ref=f"R{n}",
                    lines={"general": amount},
                    at="2026-12-15T10:00:00+01:00",
                )
            elif action == "redeem":
                event = operations.redeem(ledger, COFFEE, device_id=DEVICE, customer_id=customer)
            elif action == "refund":
                refs = sorted(ledger.earns_by_receipt)
                if not refs:
                    continue
                event = operations.reverse(
                    ledger,
                    device_id=DEVICE,
                    receipt_ref=refs[amount % len(refs)],
                    refund_cents=None if amount % 2 else amount % 5000,
                )
            else:
                event = CustomerErased(device_id=DEVICE, customer_id=customer)
        except (InsufficientPoints, NothingToReverse, InvalidAmount):
            continue
        ledger.apply(event)
        events.append(event)
    return ledger, events


steps = st.lists(
    st.tuples(
        st.sampled_from(["earn", "earn", "redeem", "refund", "erase"]),
        st.sampled_from(CUSTOMERS),
        st.integers(0, 20_000),
    ),
    max_size=40,
)


def _expected_balance(events, customer):
    total = 0
    for e in events:
        if getattr(e, "customer_id", None) != customer:
            continue
        if isinstance(e, PointsEarned):
            total += e.points
        elif isinstance(e, (EarnReversed, PointsRedeemed)):
            total -= e.points
    return total


@given(steps)
def test_balance_equals_the_fold_of_its_events(script):
    ledger, events = _simulate(script)
    for customer in CUSTOMERS:
        assert ledger.balance(customer) == _expected_balance(events, customer)
        assert Ledger.fold(events).balance(customer) == ledger.balance(customer)


@given(steps, st.randoms())
def test_applying_events_twice_equals_once(script, rnd):
    _, events = _simulate(script)
    doubled = events + rnd.sample(events, len(events))
    once, twice = Ledger.fold(events), Ledger.fold(doubled)
    assert once.balances == twice.balances
    assert once.customers == twice.customers
    assert not any(twice.apply(e) for e in events)


@given(steps)
def test_balances_never_go_negative_from_one_device(script):
    ledger, _ = _simulate(script)
    assert all(points >= 0 for points in ledger.balances.values())
    assert ledger.overdrawn == []


@given(steps)
def test_a_reversal_never_takes_more_than_the_original_earned(script):
    ledger, events = _simulate(script)
    for earn in ledger.earns.values():
        taken = sum(e.points for e in events if isinstance(e, EarnReversed) and e.earn_event_id == earn.event_id)
        assert 0 <= earn.reversed_points <= earn.points
        assert taken <= earn.points


def test_a_forged_reversal_is_capped_by_what_remains_of_the_earn():
    earn = PointsEarned(device_id=DEVICE, customer_id="c1", receipt_ref="R1", amount_cents=1000, points=10)
    forged = EarnReversed(
        device_id="other",
        customer_id="c1",
        earn_event_id=earn.event_id,
        receipt_ref="R1",
        refund_cents=1000,
        points=500,
    )
    ledger = Ledger.fold([earn, forged])
    assert ledger.balance("c1") == 0


def test_reversal_by_receipt_reference_and_its_errors():
    ledger = Ledger()
    event, _ = operations.earn(
        ledger, EarningScale(), device_id=DEVICE, customer_id="c1", receipt_ref="T-42", lines={"general": 5000}
    )
    ledger.apply(event)
    with pytest.raises(UnknownReceipt):
        operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-43")
    with pytest.raises(InvalidAmount):
        operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-42", refund_cents=6000)
    half = operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-42", refund_cents=2500)
    assert half.points == 25
    ledger.apply(half)
    rest = operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-42")
    assert (rest.refund_cents, rest.points) == (2500, 25)
    ledger.apply(rest)
    with pytest.raises(NothingToReverse):
        operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-42")


def test_reversal_takes_no_more_than_the_balance_holds():
    ledger = Ledger()
    event, _ = operations.earn(
        ledger, EarningScale(), device_id=DEVICE, customer_id="c1", receipt_ref="T-1", lines={"general": 4000}
    )
    ledger.apply(event)
    ledger.apply(operations.redeem(ledger, COFFEE, device_id=DEVICE, customer_id="c1"))
    reversal = operations.reverse(ledger, device_id=DEVICE, receipt_ref="T-1")
    assert reversal.points == 10
    ledger.apply(reversal)
    assert ledger.balance("c1") == 0


def test_redeeming_more_than_the_balance_is_refused():
    with pytest.raises(InsufficientPoints, match="30 points"):
        operations.redeem(Ledger(), COFFEE, device_id=DEVICE, customer_id="c1")


def test_overdraw_from_merged_devices_is_kept_and_flagged():
    earn = PointsEarned(device_id="a", customer_id="c1", receipt_ref="R", amount_cents=3000, points=30)
    spend_a = PointsRedeemed(device_id="a", customer_id="c1", reward_id="coffee", reward_kind="in_house", points=30)
    spend_b = PointsRedeemed(device_id="b", customer_id="c1", reward_id="coffee", reward_kind="in_house", points=30)
    ledger = Ledger.fold([earn, spend_a, spend_b])
    assert ledger.balance("c1") == -30
    assert ledger.overdrawn == [spend_b.event_id]


def test_erasure_removes_personal_data_keeps_amounts_and_consent_history():
    from loyalty.domain.events import ConsentChanged

    events = [
        CustomerRegistered(device_id=DEVICE, customer_id="c1", first_name="Zoé", phone="0600000000"),
        ConsentChanged(device_id=DEVICE, customer_id="c1", granted=True, text_version="v1"),
        PointsEarned(device_id=DEVICE, customer_id="c1", receipt_ref="R", amount_cents=1000, points=10),
        CustomerErased(device_id=DEVICE, customer_id="c1"),
    ]
    ledger = Ledger.fold(events)
    customer = ledger.customers["c1"]
    assert customer.erased and customer.first_name is None and customer.phone is None
    assert ledger.balance("c1") == 10
    assert [c.text_version for c in ledger.consent_history["c1"]] == ["v1"]


@settings(max_examples=50)
@given(steps)
def test_every_event_survives_its_record_form(script):
    _, events = _simulate(script)
    for event in events:
        assert from_record(to_record(event)) == event


def test_earn_day_cap_counts_the_local_day():
    ledger = Ledger()
    scale = EarningScale(daily_cap=60)
    for n, day in enumerate(["2026-12-15T09:00:00+01:00", "2026-12-15T18:00:00+01:00", "2026-12-16T09:00:00+01:00"]):
        event, quote = operations.earn(
            ledger, scale, device_id=DEVICE, customer_id="c1", receipt_ref=f"R{n}", lines={"general": 5000}, at=day
        )
        ledger.apply(event)
    assert ledger.earned_on("c1", "2026-12-15") == 60
    assert ledger.earned_on("c1", "2026-12-16") == 50
    assert date.fromisoformat(event.day) == date(2026, 12, 16)
