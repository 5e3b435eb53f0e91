"""Central never moves a card a device links to another customer, and says which device numbers it lacks."""

from __future__ import annotations

from sqlalchemy import select

from central.card_claims import open_claims
from central.schema import cards, events
from central.sequence_gaps import all_gaps
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned


def _regular_with_card(device):
    device.push(
        [
            CustomerRegistered(
                device_id=device.device_id, seq=device.next_seq(), customer_id="regular", first_name="Camille"
            ),
            CardLinked(device_id=device.device_id, seq=device.next_seq(), customer_id="regular", card_uid="CARD-1"),
            PointsEarned(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id="regular",
                receipt_ref="r1",
                amount_cents=20500,
                points=205,
            ),
        ]
    )


def test_an_offline_capture_of_a_card_linked_elsewhere_keeps_the_link_and_is_held_for_review(make_device, engine):
    first, second = make_device("till-a"), make_device("till-b")
    _regular_with_card(first)
    # till-b lost its cache offline: the regular's card came up unknown and a "new customer" was captured.
    capture = [
        CustomerRegistered(device_id="till-b", seq=second.next_seq(), customer_id="newcomer", first_name="Camille"),
        CardLinked(device_id="till-b", seq=second.next_seq(), customer_id="newcomer", card_uid="CARD-1"),
        PointsEarned(
            device_id="till-b",
            seq=second.next_seq(),
            customer_id="newcomer",
            receipt_ref="r2",
            amount_cents=1000,
            points=10,
        ),
    ]
    answer = second.push(capture)
    assert set(answer["acknowledged"]) == {e.event_id for e in capture}  # stored: the device may drop them
    assert answer["card_claims"] == ["CARD-1"]  # and told
    with engine.connect() as c:
        assert c.execute(select(cards.c.customer_id).where(cards.c.card_uid == "CARD-1")).scalar_one() == "regular"
        assert c.execute(select(events.c.review).where(events.c.event_id == capture[1].event_id)).scalar_one()
        claims = open_claims(c)
    assert [(k.device_id, k.card_uid, k.claimed_for, k.owner) for k in claims] == [
        ("till-b", "CARD-1", "newcomer", "regular")
    ]
    pulled = second.pull()
    assert {(c["card_uid"], c["customer_id"]) for c in pulled["cards"]} == {("CARD-1", "regular")}
    assert {c["customer_id"]: c["points"] for c in pulled["customers"]}["regular"] == 205


def test_a_card_relinked_to_its_own_customer_is_no_claim(make_device, engine):
    device = make_device("till-a")
    _regular_with_card(device)
    again = CardLinked(device_id="till-a", seq=device.next_seq(), customer_id="regular", card_uid="CARD-1")
    assert device.push([again])["card_claims"] == []
    with engine.connect() as c:
        assert open_claims(c) == []


def test_missing_sequence_numbers_are_reported_per_device(make_device, client, engine):
    device = make_device("till-a")
    made = [
        PointsEarned(device_id="till-a", seq=n, customer_id="c", receipt_ref=f"r{n}", amount_cents=100, points=1)
        for n in range(1, 10)
    ]
    device.push([e for e in made if e.seq not in (3, 4, 7)])  # 3, 4 and 7 never arrived
    answer = client.get("/api/sync/device", headers=device.headers)
    assert answer.status_code == 200
    assert answer.json == {
        "device_id": "till-a",
        "seq_through": 2,
        "seq_max": 9,
        "missing": 3,
        "ranges": [[3, 4], [7, 7]],
        "low_stocks": [],
    }
    with engine.connect() as c:
        assert [(g.device_id, g.missing) for g in all_gaps(c)] == [("till-a", 3)]
    device.push([e for e in made if e.seq in (3, 4, 7)])  # salvaged and sent later
    assert client.get("/api/sync/device", headers=device.headers).json["missing"] == 0
    with engine.connect() as c:
        assert all_gaps(c) == []
