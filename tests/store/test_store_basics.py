"""The store's API: durable recording, lookups, search, outbox, pulled batches, erasure."""

from __future__ import annotations

import json
import logging

import pytest

from device.store import Store
from device.store.snapshot_file import open_database
from loyalty.domain import operations
from loyalty.domain.earning import EarningScale
from loyalty.domain.events import CardBlocked, ConsentChanged, CustomerErased, ProfileUpdated
from loyalty.domain.rewards import Reward
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.errors import InsufficientPoints, InvalidEvent, InvalidPull, StoreError

from .conftest import DEVICE, earned, link, register


def test_record_assigns_increasing_seq_and_is_durable(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        first = store.record(register())
        second = store.record(earned(points=7))
        assert (first.seq, second.seq) == (1, 2)
        assert store.balance("c1") == 7
    with Store.open(data_dir, DEVICE) as store:
        assert [e.event_id for e in store.pending()] == [first.event_id, second.event_id]
        assert store.balance("c1") == 7
        assert store.record(earned(points=1)).seq == 3


def test_recording_the_same_event_twice_is_a_no_op(store):
    event = store.record(earned(points=5))
    again = store.record(earned(points=5).__class__(**{**event.__dict__, "seq": None}))
    assert again == event
    assert store.balance("c1") == 5
    assert store.pending_count() == 1


def test_refuses_events_of_another_device_or_with_an_old_seq(store):
    store.record(earned())
    with pytest.raises(InvalidEvent, match="device"):
        store.record(earned().__class__(**{**earned().__dict__, "device_id": "till-9"}))
    with pytest.raises(InvalidEvent, match="seq"):
        store.record(earned().__class__(**{**earned().__dict__, "seq": 1}))
    assert store.pending_count() == 1


def test_operations_work_against_the_store(store):
    scale = EarningScale(daily_cap=30)
    store.record(register())
    event, quote = operations.earn(
        store,
        scale,
        device_id=DEVICE,
        customer_id="c1",
        receipt_ref="T-1",
        lines={"general": 2500},
        at="2026-03-02T10:00:00+01:00",
    )
    store.record(event)
    event, _ = operations.earn(
        store,
        scale,
        device_id=DEVICE,
        customer_id="c1",
        receipt_ref="T-2",
        lines={"general": 2500},
        at="2026-03-02T11:00:00+01:00",
    )
    assert event.points == 5  # the daily cap sees the first earn through earned_on
    store.record(event)
    assert store.earned_on("c1", "2026-03-02") == 30
    reward = Reward("coffee", "in_house", "Coffee", 20)
    store.record(operations.redeem(store, reward, device_id=DEVICE, customer_id="c1"))
    assert store.balance("c1") == 10
    with pytest.raises(InsufficientPoints):
        operations.redeem(store, reward, device_id=DEVICE, customer_id="c1")
    store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="T-2"))
    assert store.balance("c1") == 5
    assert store.earn_for_receipt("T-2").remaining_points == 0


def test_customer_by_card_and_blocked_cards(store):
    store.record(register("c1", last_name="Dupont", phone="06 12 34 56 78"))
    store.record(link("c1", "04A1B2C3"))
    view = store.customer_by_card("04A1B2C3")
    assert view.customer_id == "c1" and view.card_uids == ("04A1B2C3",) and not view.card_blocked
    store.record(CardBlocked(device_id=DEVICE, card_uid="04A1B2C3", reason="lost"))
    assert store.customer_by_card("04A1B2C3").card_blocked
    assert store.customer_by_card("FFFF") is None
    assert store.customer("nobody") is None


def test_search_by_prefix_of_names_phone_and_email(store):
    store.record(register("c1", "Hélène", last_name="Dupont", phone="+33 6 12 34 56 78", email="HD@example.fr"))
    store.record(register("c2", "Marc", last_name="Helmut"))
    store.record(register("c3", "Anne", last_name="Martin"))
    assert [v.customer_id for v in store.search("hel")] == ["c1", "c2"]
    assert [v.customer_id for v in store.search("0612")] == ["c1"]
    assert [v.customer_id for v in store.search("hd@ex")] == ["c1"]
    assert [v.customer_id for v in store.search("helene du")] == ["c1"]
    assert [v.customer_id for v in store.search("m", limit=1)] == ["c2"]
    assert store.search("   ") == []
    store.record(ProfileUpdated(device_id=DEVICE, customer_id="c2", last_name="Zola"))
    assert [v.customer_id for v in store.search("hel")] == ["c1"]


def test_search_finds_pulled_and_pending_customers_and_hides_erased(store):
    store.apply_batch(
        PulledBatch(
            cursor=3, customers=(CustomerState("p1", 40, "Paul", "Heller"), CustomerState("p2", 0, "Pia", "Noel"))
        )
    )
    store.record(register("c1", "Helga"))
    # A pulled customer is held by first name and surname initial only.
    assert [v.customer_id for v in store.search("hel")] == ["c1"]
    assert [v.customer_id for v in store.search("paul h")] == ["p1"]
    assert store.customer("p1").last_initial == "H" and store.customer("p1").last_name is None
    store.record(ProfileUpdated(device_id=DEVICE, customer_id="p1", last_name="Martin"))
    assert [v.customer_id for v in store.search("martin")] == ["p1"]
    store.apply_batch(PulledBatch(cursor=4, erased=("p2",)))
    assert store.search("pia") == [] and store.customer("p2").erased


def test_pending_and_acknowledge_survive_restart(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        events = [store.record(earned(points=1)) for _ in range(5)]
        assert store.acknowledge([events[0].event_id, events[1].event_id, "unknown"]) == 2
        assert store.acknowledge([events[0].event_id]) == 0
        assert store.pending(limit=2) == events[2:4]
        assert store.pending_count() == 3
    with Store.open(data_dir, DEVICE) as store:
        assert store.pending() == events[2:]
        assert store.stats().acknowledged == 2
        assert store.balance("c1") == 5  # acknowledged but not yet folded: still counted


def test_apply_batch_replaces_base_and_folds_through_seq(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register())
        e1 = store.record(earned(points=10, receipt_ref="R1"))
        e2 = store.record(earned(points=5, receipt_ref="R2"))
        # Central folded seq 1..2 (registration and R1) into a balance of 110 (100 came from elsewhere).
        store.apply_batch(
            PulledBatch(
                cursor=17,
                customers=(CustomerState("c1", 110, "Hélène"),),
                cards=(CardState("CARD1", "c1"),),
                device_seq_through=e1.seq,
            )
        )
        assert store.balance("c1") == 115
        assert store.pending() == [e2]
        assert (store.cursor, store.seq_through) == (17, 2)
        assert store.customer_by_card("CARD1").points == 115
        assert store.earn_for_receipt("R1").event_id == e1.event_id  # kept for refunds
    lines = (data_dir / "outbox.jsonl").read_text().splitlines()
    assert len(lines) == 2 and e2.event_id in lines[1]  # compacted: header + the pending earn
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 115 and store.seq_through == 2 and store.cursor == 17
        reversal = store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="R1"))
        assert reversal.points == 10 and reversal.seq == 4
        assert store.balance("c1") == 105


def test_refund_of_a_folded_earn_is_not_counted_twice(store):
    e1 = store.record(earned(points=10, receipt_ref="R1"))
    store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="R1", refund_cents=500))
    store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c1", 5),), device_seq_through=2))
    kept = store.earn_for_receipt("R1")
    assert (kept.event_id, kept.reversed_points, kept.refunded_cents) == (e1.event_id, 5, 500)
    store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="R1"))
    assert store.balance("c1") == 0


def test_erasure_from_central_scrubs_pending_personal_data_on_disk(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register("c1", "Hélène", last_name="Dupont", phone="0612345678", email="h@example.fr"))
        store.record(ProfileUpdated(device_id=DEVICE, customer_id="c1", email="new@example.fr"))
        store.record(earned("c1", points=3))
        store.apply_batch(PulledBatch(cursor=2, erased=("c1",)))
        view = store.customer("c1")
        assert view.erased and view.first_name is None and view.points == 3
        assert store.pending_count() == 3  # still pushed (central dedups), but anonymous
        registration = store.pending()[0]
        assert registration.first_name == "" and registration.phone is None
    on_disk = (data_dir / "outbox.jsonl").read_text() + (data_dir / "cache.json").read_text()
    for personal in ("Dupont", "0612345678", "example.fr", "Hélène", "H\\u00e9l\\u00e8ne"):
        assert personal not in on_disk


def test_local_erasure_scrubs_the_journal(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register("c1", "Zoé", phone="0699887766"))
        store.record(CustomerErased(device_id=DEVICE, customer_id="c1"))
        assert store.customer("c1").erased and store.search("zoe") == []
    assert "0699887766" not in (data_dir / "outbox.jsonl").read_text()


def test_consent_is_shown_from_pending_and_pulled_state(store):
    store.apply_batch(
        PulledBatch(cursor=1, customers=(CustomerState("p1", 0, "Paul", consent_granted=True, consent_version="v1"),))
    )
    assert (store.customer("p1").consent_granted, store.customer("p1").consent_version) == (True, "v1")
    store.record(ConsentChanged(device_id=DEVICE, customer_id="p1", granted=False, text_version="v2"))
    view = store.customer("p1")
    assert (view.consent_granted, view.consent_version, view.first_name) == (False, "v2", "Paul")


def test_snapshot_is_a_tinydb_database_with_schema(store, data_dir):
    store.apply_batch(PulledBatch(cursor=9, customers=(CustomerState("p1", 12, "Paul"),)))
    db = open_database(data_dir / "cache.json")
    meta = db.table("meta").get(doc_id=1)
    assert meta["schema"] == 1 and meta["cursor"] == 9 and meta["device_id"] == DEVICE
    assert json.loads(db.table("customers").all()[0]["rows"])[0][:5] == ["p1", "Paul", None, [], 12]
    header = json.loads((data_dir / "outbox.jsonl").read_text().splitlines()[0][9:])
    assert header["header"]["schema"] == 1


def test_kept_earns_are_bounded(data_dir):
    with Store.open(data_dir, DEVICE, kept_earns=3) as store:
        for n in range(5):
            store.record(earned(points=1, receipt_ref=f"R{n}"))
        store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c1", 5),), device_seq_through=5))
        assert [store.earn_for_receipt(f"R{n}") is not None for n in range(5)] == [False, False, True, True, True]
    with Store.open(data_dir, DEVICE, kept_earns=3) as store:
        assert store.earn_for_receipt("R4").points == 1 and store.earn_for_receipt("R0") is None


def test_bad_input_is_refused_with_a_clear_error(store, data_dir):
    with pytest.raises(InvalidPull, match="cursor"):
        store.apply_batch(PulledBatch(cursor=-1))
    with pytest.raises(InvalidPull, match="customer id"):
        store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("", 1),)))
    with pytest.raises(InvalidEvent):
        store.record(earned().__class__(**{**earned().__dict__, "receipt_ref": "x" * 600}))
    assert store.pending_count() == 0 and store.cursor == 0
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.record(earned())
    with pytest.raises(StoreError, match="belongs to device"):
        Store.open(data_dir, "till-2")


def test_logs_carry_no_personal_data(data_dir, caplog):
    caplog.set_level(logging.DEBUG, logger="device.store")
    with Store.open(data_dir, DEVICE) as store:
        store.record(register("c1", "Hélène", phone="0612345678"))
        store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c1", 1, "Hélène"),), device_seq_through=1))
    with Store.open(data_dir, DEVICE):
        pass
    assert caplog.records and all(
        "Hélène" not in r.getMessage() and "0612" not in r.getMessage() for r in caplog.records
    )


def test_concurrent_records_get_unique_increasing_seqs(data_dir):
    import threading

    with Store.open(data_dir, DEVICE) as store:

        def work() -> None:
            for _ in range(50):
                store.record(earned(points=1))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [e.seq for e in store.pending()] == list(range(1, 201))
        assert store.balance("c1") == 200
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 200


def test_pulled_cards_relink_block_and_survive_reopen(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=(CustomerState("a", 1, "Anne"), CustomerState("b", 2, "Bob")),
                cards=(CardState("K1", "a"), CardState("K2", "a"), CardState("K3", "ghost")),
            )
        )
        store.apply_batch(PulledBatch(cursor=2, cards=(CardState("K2", "b", blocked=True),)))
        assert store.customer("a").card_uids == ("K1",)
        assert store.customer_by_card("K2").customer_id == "b" and store.customer_by_card("K2").card_blocked
        assert store.customer_by_card("K3").customer_id == "ghost"  # card of a customer not pulled yet
    with Store.open(data_dir, DEVICE) as store:
        assert store.customer("a").card_uids == ("K1",) and store.customer("b").card_uids == ("K2",)
        assert store.customer_by_card("K2").card_blocked and not store.customer_by_card("K1").card_blocked
        assert store.customer_by_card("K3").customer_id == "ghost"
        store.apply_batch(PulledBatch(cursor=3, customers=(CustomerState("ghost", 0, "Gaston"),)))
        assert store.customer("ghost").card_uids == ("K3",)
        assert store.stats().cards == 3


def test_search_dedups_a_customer_matching_several_keys_and_survives_reopen(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=tuple(
                    CustomerState(
                        f"p{n}", n, "Marie", "Martin" if n % 2 else "Durand", f"06000000{n:02d}", f"marie{n}@example.fr"
                    )
                    for n in range(30)
                ),
            )
        )
        first = [v.customer_id for v in store.search("mar", limit=50)]
        assert len(first) == len(set(first)) == 30
        assert store.search("0600000001") == []  # no phone on the device
    with Store.open(data_dir, DEVICE) as store:
        assert [v.customer_id for v in store.search("mar", limit=50)] == first
        assert [v.customer_id for v in store.search("marie m", limit=5)] == ["p1", "p11", "p13", "p15", "p17"]
