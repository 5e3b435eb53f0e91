"""Pooled points: the contribution rule, leaving, refunds and the pool's redemptions, over random histories."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain import operations, pools
from loyalty.domain.earning import EarningScale
from loyalty.domain.events import PoolContributed, PoolRedeemed, from_record, to_record
from loyalty.domain.ledger import Ledger
from loyalty.domain.rewards import Reward
from loyalty.errors import InsufficientPoints, InvalidEvent, PoolRefused

DEVICE = "till-1"
AT = "2026-12-15T10:00:00+01:00"
SCALE = EarningScale()
GIFT = Reward("gift", "in_house", "Panier garni", 40)


def _record(ledger, events, event):
    if event is not None:
        ledger.apply(event)
        events.append(event)
    return event


def _earn(ledger, events, customer, cents, ref):
    event, _ = operations.earn(
        ledger, SCALE, device_id=DEVICE, customer_id=customer, receipt_ref=ref, lines={"general": cents}, at=AT
    )
    _record(ledger, events, event)
    _record(ledger, events, pools.contribute(ledger, event))
    return event


def _refund(ledger, events, ref, cents=None):
    reversal = _record(
        ledger, events, operations.reverse(ledger, device_id=DEVICE, receipt_ref=ref, refund_cents=cents)
    )
    return _record(ledger, events, pools.give_back(ledger, reversal))


def test_member_gives_the_share_rounded_down_and_the_pool_redeems():
    ledger, events = Ledger(), []
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="home-1", customer_id="ana", share_pct=50))
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="home-1", customer_id="ben", share_pct=100))
    _earn(ledger, events, "ana", 4500, "R1")  # 45 points: 22 to the pool
    _earn(ledger, events, "ben", 3000, "R2")  # 30 points: all to the pool
    assert (ledger.balance("ana"), ledger.balance("ben"), ledger.pool_balance("home-1")) == (23, 0, 52)
    assert pools.summary(ledger, "ana") == pools.PoolSummary("home-1", 52, 2, 50)
    _record(ledger, events, pools.redeem(ledger, GIFT, device_id=DEVICE, customer_id="ben"))
    assert ledger.pool_balance("home-1") == 12 and ledger.balance("ben") == 0
    with pytest.raises(InsufficientPoints, match="the pool holds 12"):
        pools.redeem(ledger, GIFT, device_id=DEVICE, customer_id="ana")
    with pytest.raises(PoolRefused, match="only a member"):
        pools.redeem(ledger, GIFT, device_id=DEVICE, customer_id="carl")


def test_leaving_keeps_past_contributions_and_stops_new_ones():
    ledger, events = Ledger(), []
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="wc-acme", customer_id="ana", share_pct=20))
    _earn(ledger, events, "ana", 10000, "R1")
    _record(ledger, events, pools.leave(ledger, device_id=DEVICE, customer_id="ana"))
    _earn(ledger, events, "ana", 10000, "R2")
    assert (ledger.balance("ana"), ledger.pool_balance("wc-acme")) == (180, 20)
    assert pools.summary(ledger, "ana") is None
    with pytest.raises(PoolRefused, match="not in a pool"):
        pools.leave(ledger, device_id=DEVICE, customer_id="ana")
    # A refund after leaving still gives back what that earn gave the pool.
    _refund(ledger, events, "R1")
    assert (ledger.balance("ana"), ledger.pool_balance("wc-acme")) == (100, 0)


def test_joining_another_pool_is_refused_and_a_move_is_explicit():
    ledger, events = Ledger(), []
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="p1", customer_id="ana", share_pct=10))
    with pytest.raises(PoolRefused, match="gives to pool p1: move them to p2"):
        pools.join(ledger, device_id=DEVICE, pool_id="p2", customer_id="ana", share_pct=30)
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="p1", customer_id="ana", share_pct=20))
    assert ledger.pool_of("ana") == ("p1", 20)  # joining one's own pool again changes the share
    left, joined = pools.move(ledger, device_id=DEVICE, customer_id="ana", to_pool="p2", share_pct=30)
    assert (left.type, left.pool_id, joined.pool_id) == ("PoolLeft", "p1", "p2")
    _record(ledger, events, left)
    _record(ledger, events, joined)
    _earn(ledger, events, "ana", 10000, "R1")
    assert (ledger.pool_balance("p1"), ledger.pool_balance("p2")) == (0, 30)
    assert ledger.pool_members == {"p1": {}, "p2": {"ana": 30}}
    with pytest.raises(PoolRefused, match="already in pool p2"):
        pools.move(ledger, device_id=DEVICE, customer_id="ana", to_pool="p2", share_pct=30)
    with pytest.raises(PoolRefused, match="not in a pool"):
        pools.move(ledger, device_id=DEVICE, customer_id="ben", to_pool="p2", share_pct=30)


def test_pool_events_round_trip_and_bad_shares_are_refused():
    ledger = Ledger()
    joined = pools.join(ledger, device_id=DEVICE, pool_id="p1", customer_id="ana", share_pct=25)
    assert from_record(to_record(joined)) == joined
    with pytest.raises(InvalidEvent, match="share_pct must be from 1 to 100"):
        from_record(to_record(joined) | {"share_pct": 101})
    for share in (0, 101, "50", True):
        with pytest.raises(PoolRefused):
            pools.join(ledger, device_id=DEVICE, pool_id="p1", customer_id="ana", share_pct=share)
    with pytest.raises(PoolRefused, match="pool id"):
        pools.join(ledger, device_id=DEVICE, pool_id="a pool!", customer_id="ana", share_pct=10)


STEP = st.tuples(
    st.sampled_from(["join", "leave", "earn", "earn", "refund", "redeem"]),
    st.sampled_from(["ana", "ben", "carl"]),
    st.sampled_from(["p1", "p2"]),
    st.integers(1, 100),
    st.integers(1, 20000),
)


def _simulate(steps):
    ledger, events, refs = Ledger(), [], []
    for n, (action, customer, pool_id, share, cents) in enumerate(steps):
        try:
            if action == "join":
                _record(
                    ledger,
                    events,
                    pools.join(ledger, device_id=DEVICE, pool_id=pool_id, customer_id=customer, share_pct=share),
                )
            elif action == "leave":
                _record(ledger, events, pools.leave(ledger, device_id=DEVICE, customer_id=customer))
            elif action == "earn":
                _earn(ledger, events, customer, cents, f"R{n}")
                refs.append(f"R{n}")
            elif action == "refund" and refs:
                _refund(ledger, events, refs[cents % len(refs)], None if share > 50 else cents // 3 + 1)
            elif action == "redeem":
                _record(ledger, events, pools.redeem(ledger, GIFT, device_id=DEVICE, customer_id=customer))
        except (PoolRefused, InsufficientPoints):
            pass
        except Exception as exc:  # refunding a receipt already refunded in full, or more than is left
            assert type(exc).__name__ in {"NothingToReverse", "InvalidAmount"}, exc
    return ledger, events


@settings(max_examples=150, deadline=None)
@given(st.lists(STEP, max_size=40))
def test_points_are_conserved_and_nothing_goes_negative(steps):
    ledger, events = _simulate(steps)
    earned = sum(e.points for e in events if e.type == "PointsEarned")
    reversed_ = sum(e.points for e in events if e.type == "EarnReversed")
    spent = sum(e.points for e in events if isinstance(e, PoolRedeemed))
    assert sum(ledger.balances.values()) + sum(ledger.pool_balances.values()) == earned - reversed_ - spent
    assert all(v >= 0 for v in ledger.balances.values()) and all(v >= 0 for v in ledger.pool_balances.values())
    assert not ledger.overdrawn
    for earn_id, share in ledger.pool_contributions.items():
        record = ledger.earns[earn_id]
        assert share.points <= record.points and 0 <= share.given_back <= share.points
        if record.reversed_points == record.points:  # fully refunded: the pool gave back all it could
            assert share.given_back == share.points or ledger.pool_balance(share.pool_id) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(STEP, max_size=40), st.randoms(use_true_random=False))
def test_balances_do_not_depend_on_arrival_order_or_repeats(steps, rnd):
    """Pool events fold as sums: any order and any repeat gives the same balances (an earn still comes
    before its own refund, as the ledger's reversal rule needs)."""
    ledger, events = _simulate(steps)
    shuffled = list(events) + rnd.sample(events, k=len(events) // 2)
    rnd.shuffle(shuffled)
    shuffled.sort(key=lambda e: e.type != "PointsEarned")
    other = Ledger.fold(from_record(to_record(e)) for e in shuffled)
    assert other.balances == ledger.balances
    assert {k: v for k, v in other.pool_balances.items() if v} == {k: v for k, v in ledger.pool_balances.items() if v}


@given(st.integers(0, 10**9), st.integers(0, 100))
def test_contribution_is_the_share_rounded_down(points, share):
    given = pools.contribution(points, share)
    assert given * 100 <= points * share < (given + 1) * 100 and 0 <= given <= points


def test_contributions_are_separate_events_made_once_per_earn():
    ledger, events = Ledger(), []
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="p1", customer_id="ana", share_pct=1))
    _earn(ledger, events, "ana", 5000, "R1")  # 50 points × 1 % rounds to 0: no contribution event
    assert not [e for e in events if isinstance(e, PoolContributed)]
    earn = _earn(ledger, events, "ana", 20000, "R2")
    made = [e for e in events if isinstance(e, PoolContributed)]
    assert [(e.earn_event_id, e.points) for e in made] == [(earn.event_id, 2)]


def test_follow_up_is_the_contribution_after_an_earn_and_the_pool_part_after_a_refund():
    """The one rule a store applies after recording an event: it reads the store as it reads a Ledger."""
    ledger, events = Ledger(), []
    _record(ledger, events, pools.join(ledger, device_id=DEVICE, pool_id="home-1", customer_id="ana", share_pct=50))
    earn, _ = operations.earn(
        ledger, SCALE, device_id=DEVICE, customer_id="ana", receipt_ref="R-1", lines={"general": 4000}, at=AT
    )
    _record(ledger, events, earn)
    given = _record(ledger, events, pools.follow_up(ledger, earn))
    assert isinstance(given, PoolContributed) and given.points == earn.points // 2
    assert pools.follow_up(ledger, given) is None
    reversal = _record(ledger, events, operations.reverse(ledger, device_id=DEVICE, receipt_ref="R-1"))
    back = pools.follow_up(ledger, reversal)
    assert back is not None and back.points == given.points and back.earn_event_id == earn.event_id
    stranger, _ = operations.earn(
        ledger, SCALE, device_id=DEVICE, customer_id="ben", receipt_ref="R-2", lines={"general": 4000}, at=AT
    )
    assert pools.follow_up(ledger, stranger) is None
