"""Central keeps each customer's lots and debits exactly at ingest: whatever the batching, the resent events and
an expiry run in between, the pulled lots answer expiry and tiers like the domain's fold of every event."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from sqlalchemy import select

from central.backoffice.loyalty_terms import run_expiry, save_expiry
from central.clock import utc_today
from central.customers import erase_customer
from central.schema import customers
from central.schema import events as events_table
from loyalty.domain.events import CustomerRegistered, EarnReversed, PointsEarned, PointsRedeemed, from_record
from loyalty.domain.expiry import ExpiryRule, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.tiers import MAX_PERIOD_DAYS, points_in_period

RULE = ExpiryRule(after_days=400, notice_days=30)


def _dated_story(device, rng: random.Random, start: date, customers: int = 4, steps: int = 90) -> list:
    """Earns, redemptions and refunds of earlier earns, on days moving forward from `start`."""
    made, earns, day = [], [], start
    for _ in range(steps):
        day += timedelta(days=rng.randrange(0, 12))
        at = f"{day.isoformat()}T11:00:00+01:00"
        cid = f"{device.device_id}-c{rng.randrange(customers)}"
        roll = rng.random()
        if roll < 0.6 or not earns:
            points = rng.randrange(1, 80)
            e = PointsEarned(
                device_id=device.device_id,
                seq=device.next_seq(),
                at=at,
                customer_id=cid,
                receipt_ref=f"r{device.seq}",
                amount_cents=points * 100,
                points=points,
            )
            earns.append(e)
        elif roll < 0.8:
            e = PointsRedeemed(
                device_id=device.device_id,
                seq=device.next_seq(),
                at=at,
                customer_id=cid,
                reward_id="coffee",
                reward_kind="in_house",
                points=rng.randrange(1, 60),
            )
        else:
            earn = rng.choice(earns)
            e = EarnReversed(
                device_id=device.device_id,
                seq=device.next_seq(),
                at=at,
                customer_id=earn.customer_id,
                earn_event_id=earn.event_id,
                receipt_ref=earn.receipt_ref,
                refund_cents=500,
                points=rng.randrange(1, 30),
            )
        made.append(e)
    return made


def _push_in_batches(device, story: list, rng: random.Random) -> None:
    start = 0
    while start < len(story):
        size = rng.randrange(1, 25)
        device.push(story[start : start + size] + rng.sample(story[: start + size], min(3, start + size)))  # retries
        start += size


def _pulled_ledger(device) -> Ledger:
    """The balances, lots and debits a device pulls, as a Ledger."""
    ledger = Ledger()
    for cid, row in device.pull_all(limit=5)["customers"].items():
        ledger.balances[cid] = row["points"]
        ledger.lots[cid] = {day: points for day, points in row["lots"]}
        ledger.debits[cid] = row["debits"]
    return ledger


def _assert_same_answers(pulled: Ledger, expected: Ledger, today: date) -> None:
    assert pulled.balances == expected.balances
    for cid in expected.balances:
        for day in sorted(expected.lots.get(cid, {})) + [today.isoformat()]:
            assert pulled.expirable(cid, day) == expected.expirable(cid, day), (cid, day)
        for ahead in (0, 15, 200):
            when = today + timedelta(days=ahead)
            assert notice(pulled, cid, when, RULE) == notice(expected, cid, when, RULE)
            for period in (30, 365, MAX_PERIOD_DAYS):
                assert points_in_period(pulled, cid, when, period) == points_in_period(expected, cid, when, period)


def test_lots_stay_exact_across_batches_retries_and_an_expiry_run(make_device, engine):
    rng = random.Random(11)
    today = utc_today()
    a, b = make_device("till-a"), make_device("till-b")
    # Old enough that lots spent long ago are compacted, recent enough that some expire soon.
    story_a = _dated_story(a, rng, today - timedelta(days=1100))
    story_b = _dated_story(b, rng, today - timedelta(days=700))
    _push_in_batches(a, story_a, rng)
    _push_in_batches(b, story_b, rng)
    expected = Ledger.fold(story_a + story_b)
    _assert_same_answers(_pulled_ledger(a), expected, today)

    with engine.begin() as connection:
        save_expiry(connection, "admin", RULE)
        expired_customers, _ = run_expiry(connection, "admin", today)
        expiries = [
            from_record(json.loads(p))
            for p in connection.execute(
                select(events_table.c.payload).where(events_table.c.type == "PointsExpired")
            ).scalars()
        ]
    assert expired_customers == len(expiries) > 0
    for event in expiries:
        expected.apply(event)
    later = _dated_story(a, rng, today - timedelta(days=20), steps=30)
    _push_in_batches(a, later, rng)
    for event in later:
        expected.apply(event)
    pulled = _pulled_ledger(b)
    _assert_same_answers(pulled, expected, today)
    assert all(
        pulled.expirable(cid, RULE.through_day(today).isoformat()) == 0
        for cid in pulled.balances
        if not any(e.customer_id == cid for e in later)
    )  # nothing left due after the run


def test_erasure_keeps_the_lots_and_still_reaches_devices(make_device, engine):
    device = make_device("till-a")
    earn = PointsEarned(
        device_id="till-a",
        seq=2,
        at="2026-01-10T10:00:00+01:00",
        customer_id="ana",
        receipt_ref="r1",
        amount_cents=900,
        points=9,
    )
    device.push([CustomerRegistered(device_id="till-a", seq=1, customer_id="ana", first_name="Ana"), earn])
    with engine.begin() as connection:
        erase_customer(connection, "ana", "admin")
    with engine.connect() as connection:
        row = connection.execute(select(customers).where(customers.c.customer_id == "ana")).one()
    assert (row.first_name, row.erased, json.loads(row.lots), row.debits) == (None, True, {"2026-01-10": 9}, 0)
    state = device.pull_all()
    assert state["erased"] == {"ana"} and "ana" not in state["customers"]
