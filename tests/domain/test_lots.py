"""Compacting a customer's lots, as central does after every batch, changes no answer: `expirable`, `notice` and
`points_in_period` are the same as with the full fold of every event, whatever the earns, refunds,
redemptions and expiries and however they are split into batches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.events import EarnReversed, PointsEarned, PointsRedeemed
from loyalty.domain.expiry import ExpiryRule, expire, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import compact, keep_from, lots_from_json, lots_to_json
from loyalty.domain.tiers import MAX_PERIOD_DAYS, points_in_period

START = date(2024, 1, 1)
CUSTOMER = "cust-1"


def _at(day: date) -> str:
    return f"{day.isoformat()}T12:00:00+01:00"


# One step: (kind, days after the previous step, amount, earn picked by a refund, batch ends here).
steps = st.lists(
    st.tuples(
        st.sampled_from(["earn", "earn", "earn", "redeem", "refund", "expire"]),
        st.integers(0, 120),
        st.integers(1, 400),
        st.integers(0, 1000),
        st.booleans(),
    ),
    max_size=50,
)


def _events(script, rule: ExpiryRule):
    """The events of a script, each with the local day it happens on (expiries decided on the full fold)."""
    ledger = Ledger()
    day = START
    earns: list[PointsEarned] = []
    out = []
    for kind, gap, amount, pick, ends_batch in script:
        day += timedelta(days=gap)
        event = None
        if kind == "earn":
            event = PointsEarned(
                device_id="till-1",
                at=_at(day),
                customer_id=CUSTOMER,
                receipt_ref=f"R{len(out)}",
                amount_cents=amount * 100,
                points=amount,
            )
            earns.append(event)
        elif kind == "redeem" and amount <= ledger.balance(CUSTOMER):
            event = PointsRedeemed(
                device_id="till-1",
                at=_at(day),
                customer_id=CUSTOMER,
                reward_id="mug",
                reward_kind="in_house",
                points=amount,
            )
        elif kind == "refund" and earns:
            earn = earns[pick % len(earns)]
            event = EarnReversed(
                device_id="till-1",
                at=_at(day),
                customer_id=CUSTOMER,
                earn_event_id=earn.event_id,
                receipt_ref=earn.receipt_ref,
                refund_cents=amount,
                points=min(amount, max(0, ledger.balance(CUSTOMER))),
            )
        elif kind == "expire":
            event = expire(ledger, CUSTOMER, day, rule, device_id="central", at=_at(day))
        if event is not None:
            ledger.apply(event)
            out.append((day, event, ends_batch))
    return ledger, out


def _compacted(events) -> tuple[Ledger, date]:
    """The fold central keeps: after each batch the lots are compacted as of that batch's day."""
    ledger = Ledger()
    today = START
    for day, event, ends_batch in events:
        ledger.apply(event)
        today = day
        if ends_batch:
            ledger.lots[CUSTOMER], ledger.debits[CUSTOMER] = compact(
                ledger.lots.get(CUSTOMER, {}), ledger.debits.get(CUSTOMER, 0), keep_from(today)
            )
    ledger.lots[CUSTOMER], ledger.debits[CUSTOMER] = compact(
        ledger.lots.get(CUSTOMER, {}), ledger.debits.get(CUSTOMER, 0), keep_from(today)
    )
    return ledger, today


@settings(max_examples=200, deadline=None)
@given(
    script=steps,
    after_days=st.integers(1, 900),
    notice_days=st.integers(0, 60),
    period_days=st.integers(1, MAX_PERIOD_DAYS),
    later=st.integers(0, 400),
)
def test_compacted_lots_give_the_same_answers_as_the_full_fold(script, after_days, notice_days, period_days, later):
    rule = ExpiryRule(after_days, notice_days)
    full, events = _events(script, rule)
    compacted, today = _compacted(events)
    assert compacted.balance(CUSTOMER) == full.balance(CUSTOMER)
    days = {d for d in full.lots.get(CUSTOMER, {})} | {START.isoformat(), today.isoformat()}
    for day in sorted(days):
        for through in (date.fromisoformat(day) + timedelta(days=k) for k in (-1, 0, 1)):
            assert compacted.expirable(CUSTOMER, through.isoformat()) == full.expirable(CUSTOMER, through.isoformat())
    for ahead in (0, 1, later):
        when = today + timedelta(days=ahead)
        assert notice(compacted, CUSTOMER, when, rule) == notice(full, CUSTOMER, when, rule)
        assert points_in_period(compacted, CUSTOMER, when, period_days) == points_in_period(
            full, CUSTOMER, when, period_days
        )
        due_compacted = expire(compacted, CUSTOMER, when, rule, device_id="central")
        due_full = expire(full, CUSTOMER, when, rule, device_id="central")
        assert (due_compacted.points if due_compacted else 0) == (due_full.points if due_full else 0)


def test_old_spent_lots_fold_into_the_debits_and_recent_or_unspent_ones_stay():
    today = date(2027, 6, 1)
    old = (today - timedelta(days=MAX_PERIOD_DAYS + 10)).isoformat()
    older = (today - timedelta(days=MAX_PERIOD_DAYS + 20)).isoformat()
    recent = (today - timedelta(days=5)).isoformat()
    lots = {older: 100, old: 50, recent: 30}
    assert compact(lots, 120, keep_from(today)) == ({old: 50, recent: 30}, 20)  # `old` only partly spent
    assert compact(lots, 150, keep_from(today)) == ({recent: 30}, 0)
    assert compact(lots, 180, keep_from(today)) == ({recent: 30}, 30)  # within the tier horizon: kept
    assert compact({older: 0, recent: 0}, 0, keep_from(today)) == ({}, 0)


def test_lots_round_trip_as_json_and_refuse_anything_else():
    lots = {"2026-03-02": 40, "2026-01-05": 10}
    text = lots_to_json(lots)
    assert text == '{"2026-01-05":10,"2026-03-02":40}'
    assert lots_from_json(text) == lots and lots_from_json("") == {}
    for bad in ("[1, 2]", '{"2026-01-01": "ten"}', '{"2026-01-01": true}'):
        with pytest.raises(ValueError):
            lots_from_json(bad)
