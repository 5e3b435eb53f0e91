"""Push stores each event once and folds it like the domain Ledger; pull pages are resumable."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from central.schema import events as events_table
from loyalty.domain.events import (
    CardBlocked,
    CardLinked,
    CustomerRegistered,
    EarnReversed,
    PointsEarned,
    PointsRedeemed,
)
from loyalty.domain.ledger import Ledger


def _story(device, rng: random.Random, customers: int = 6, steps: int = 120):
    made = []
    for n in range(customers):
        made.append(
            CustomerRegistered(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=f"{device.device_id}-c{n}",
                first_name=f"Client{n}",
            )
        )
        made.append(
            CardLinked(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=f"{device.device_id}-c{n}",
                card_uid=f"{device.device_id}-card{n}",
            )
        )
    earns = []
    for _ in range(steps):
        cid = f"{device.device_id}-c{rng.randrange(customers)}"
        roll = rng.random()
        if roll < 0.6 or not earns:
            e = PointsEarned(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=cid,
                receipt_ref=f"r{device.seq}",
                amount_cents=rng.randrange(100, 5000),
                points=rng.randrange(1, 50),
            )
            earns.append(e)
        elif roll < 0.8:
            e = PointsRedeemed(
                device_id=device.device_id,
                seq=device.next_seq(),
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
                customer_id=earn.customer_id,
                earn_event_id=earn.event_id,
                receipt_ref=earn.receipt_ref,
                refund_cents=100,
                points=rng.randrange(1, 30),
            )
        made.append(e)
    return made


def test_push_twice_stores_once_and_acknowledges_every_id(make_device, engine):
    device = make_device()
    batch = _story(device, random.Random(1), steps=20)
    first = device.push(batch)
    again = device.push(batch)
    assert first["inserted"] == len(batch) and again["inserted"] == 0
    assert set(again["acknowledged"]) == {e.event_id for e in batch}
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(events_table)).scalar_one() == len(batch)


def test_balances_are_the_ledger_fold_whatever_the_batching_and_duplicates(make_device):
    rng = random.Random(5)
    a, b = make_device("till-a"), make_device("till-b")
    story = _story(a, rng) + _story(b, rng)
    story.append(CardBlocked(device_id="till-b", seq=b.next_seq(), card_uid="till-a-card1", reason="lost"))
    expected = Ledger.fold(story)
    by_device = {
        "till-a": [e for e in story if e.device_id == "till-a"],
        "till-b": [e for e in story if e.device_id == "till-b"],
    }
    for device in (a, b):
        mine = by_device[device.device_id]
        start = 0
        while start < len(mine):
            size = rng.randrange(1, 40)
            chunk = mine[start : start + size]
            device.push(chunk + rng.sample(mine[: start + size], min(3, start + size)))  # resend some
            start += size
    state = a.pull_all(limit=7)
    assert {cid: c["points"] for cid, c in state["customers"].items()} == expected.balances
    assert {uid for uid, c in state["cards"].items() if c["blocked"]} == expected.blocked_cards
    assert {uid: c["customer_id"] for uid, c in state["cards"].items()} == expected.cards


def test_pull_is_resumable_from_any_cursor(make_device):
    device = make_device()
    device.push(_story(device, random.Random(2), customers=12, steps=30))
    whole = device.pull_all(limit=1000)
    cursor, seen = 0, {}
    while True:
        page = device.pull(cursor, 5)
        # A cut here means the device asks again from the same cursor: same page, nothing lost.
        assert device.pull(cursor, 5) == page
        seen.update({c["customer_id"]: c for c in page["customers"]})
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert seen == whole["customers"]
    assert device.pull(cursor, 5)["customers"] == []


def test_seq_through_stops_at_the_first_gap(make_device):
    device = make_device()
    made = [
        PointsEarned(
            device_id=device.device_id, seq=seq, customer_id="c1", receipt_ref=f"r{seq}", amount_cents=100, points=1
        )
        for seq in range(1, 7)
    ]
    assert device.push([made[0], made[1], made[3], made[4]])["seq_through"] == 2
    assert device.pull()["device_seq_through"] == 2
    assert device.push([made[2]])["seq_through"] == 5
    assert device.pull_all()["seq_through"] == 5


def test_seq_through_comes_only_with_the_last_page(make_device):
    device = make_device()
    device.push(_story(device, random.Random(3), customers=10, steps=5))
    first = device.pull(0, 3)
    assert first["more"] is True and first["device_seq_through"] is None


def test_overdrawing_redemption_is_kept_and_flagged(make_device, client, admin):
    a, b = make_device("till-a"), make_device("till-b")
    a.push([PointsEarned(device_id="till-a", seq=1, customer_id="c1", receipt_ref="r1", amount_cents=5000, points=50)])
    spend_a = PointsRedeemed(
        device_id="till-a", seq=2, customer_id="c1", reward_id="mug", reward_kind="in_house", points=40
    )
    spend_b = PointsRedeemed(
        device_id="till-b", seq=1, customer_id="c1", reward_id="mug", reward_kind="in_house", points=40
    )
    assert a.push([spend_a])["flagged"] == []
    assert b.push([spend_b])["flagged"] == [spend_b.event_id]
    assert a.pull_all()["customers"]["c1"]["points"] == -30
    flagged = client.get("/api/admin/review", headers=admin).json["flagged"]
    assert [f["event_id"] for f in flagged] == [spend_b.event_id]
