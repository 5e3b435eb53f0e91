"""The device store holds least data: first name, surname initial and keyed contact hashes; customers that left
the store's scope leave its files; a bound evicts the least recently seen, never one with pending events; its
own captures keep their contact details only until central acknowledged them."""

from __future__ import annotations

import json

import pytest

from device.store import Store
from loyalty.domain.customers import contact_hashes
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned, ProfileUpdated
from loyalty.domain.snapshot import CardState, CustomerState, LookedUp, PoolBalanceState, PoolMemberState, PulledBatch
from loyalty.errors import InvalidPull

from .conftest import DEVICE

KEY = bytes(range(32))
SECRETS = (b"Vautrin", b"0611223344", b"anouk@example.org", b"Garnier", b"0755667788")


def _files(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def _state(cid: str, points: int = 0, first: str = "Anouk", **extra) -> CustomerState:
    return CustomerState(cid, points, first, **extra)


def test_a_customer_that_left_the_scope_leaves_memory_and_files(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=(_state("c1", 5, "Anouk", last_initial="V"), _state("c2", 7, "Basile")),
                cards=(CardState("CARD-1", "c1"),),
                pool_members=(PoolMemberState("c1", "pool-1", 50),),
                pool_balances=(PoolBalanceState("pool-1", 30),),
            )
        )
        assert b"Anouk" in (data_dir / "cache.json").read_bytes()
        store.apply_batch(PulledBatch(cursor=2, removed=("c1",)))
        assert store.customer("c1") is None and store.customer_by_card("CARD-1") is None
        assert store.search("anouk") == [] and store.pool_of("c1") is None
        assert store.customer("c2").points == 7
    assert b"Anouk" not in _files(data_dir) and b"CARD-1" not in _files(data_dir)
    with Store.open(data_dir, DEVICE) as store:
        assert store.customer("c1") is None and store.customer("c2") is not None


def test_a_removed_customer_keeps_this_devices_pending_events_until_central_folds_them(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(PulledBatch(cursor=1, customers=(_state("c1", 5),), cards=(CardState("CARD-1", "c1"),)))
        earn = store.record(
            PointsEarned(
                device_id=DEVICE, customer_id="c1", receipt_ref="R1", amount_cents=300, points=3, card_uid="CARD-1"
            )
        )
        store.apply_batch(PulledBatch(cursor=2, removed=("c1",)))
        assert store.pending() == [earn]


def test_the_bound_evicts_the_least_recently_seen_never_one_with_pending_events(data_dir):
    with Store.open(data_dir, DEVICE, max_customers=3) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=tuple(_state(f"c{n}", n) for n in range(3)),
                cards=tuple(CardState(f"CARD-{n}", f"c{n}") for n in range(3)),
            )
        )
        store.record(PointsEarned(device_id=DEVICE, customer_id="c0", receipt_ref="R1", amount_cents=100, points=1))
        assert store.customer_by_card("CARD-1") is not None  # c1 seen: c2 is now the least recently seen free one
        store.apply_batch(PulledBatch(cursor=2, customers=(_state("c3", 3),)))
        assert [store.customer(f"c{n}") is not None for n in range(4)] == [True, True, False, True]
        assert store.customer_by_card("CARD-2") is None
        store.hold(LookedUp(_state("c4", 4), cards=(CardState("CARD-4", "c4"),)))
        assert store.customer_by_card("CARD-4").points == 4
        assert store.stats().customers == 3 and store.customer("c0") is not None
    with Store.open(data_dir, DEVICE, max_customers=3) as store:
        assert store.stats().customers <= 4  # the snapshot of the last pull; c4 comes with the next pull


def test_a_looked_up_customer_is_held_as_if_pulled(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.hold(
            LookedUp(
                _state("c9", 12, last_initial="V", contact_hashes=contact_hashes(KEY, "0611223344", None)),
                cards=(CardState("CARD-9", "c9"),),
                pool_members=(PoolMemberState("c9", "pool-1", 50),),
                pool_balances=(PoolBalanceState("pool-1", 80),),
            )
        )
        view = store.customer_by_card("CARD-9")
        assert (view.first_name, view.last_initial, view.points) == ("Anouk", "V", 12)
        assert store.pool_summary("c9").points == 80
        found = store.customers_with_contact(contact_hashes(KEY, "+33 6 11 22 33 44", None))
        assert [v.customer_id for v in found] == ["c9"]
        assert store.customers_with_contact(contact_hashes(KEY, "0611223345", None)) == []


def test_own_captures_keep_contact_details_only_until_central_acknowledged_them(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        made = [
            store.record(
                CustomerRegistered(
                    device_id=DEVICE,
                    customer_id="c1",
                    first_name="Anouk",
                    last_name="Vautrin",
                    phone="0611223344",
                    email="anouk@example.org",
                )
            ),
            store.record(CardLinked(device_id=DEVICE, customer_id="c1", card_uid="CARD-1")),
            store.record(ProfileUpdated(device_id=DEVICE, customer_id="c1", last_name="Garnier", phone="0755667788")),
        ]
        assert b"0611223344" in (data_dir / "outbox.jsonl").read_bytes()  # central has not got them yet
        assert [v.customer_id for v in store.search("0755667788")] == ["c1"]
        store.acknowledge(e.event_id for e in made)
        assert not any(secret in _files(data_dir) for secret in SECRETS)
        view = store.customer("c1")
        assert (view.first_name, view.last_initial, view.phone, view.email) == ("Anouk", "G", None, None)
        assert store.pending_count() == 0 and len(store.pending()) == 0
    with Store.open(data_dir, DEVICE) as store:
        assert store.customer_by_card("CARD-1").first_name == "Anouk"
        store.apply_batch(
            PulledBatch(
                cursor=1, customers=(_state("c1", 0, last_name="Garnier", phone="0755667788"),), device_seq_through=3
            )
        )
        # Even a central that still sent contact details: the device keeps the initial alone.
        assert store.customer("c1").last_initial == "G" and store.customer("c1").phone is None
    assert not any(secret in _files(data_dir) for secret in SECRETS)


def test_a_snapshot_with_contact_details_in_clear_is_read_without_them_and_pulled_again(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(PulledBatch(cursor=5, customers=(_state("c1", 5),)))
    path = data_dir / "cache.json"
    document = json.loads(path.read_text())
    table = document["customers"]["1"]
    table["rows"] = json.dumps(
        [["c1", "Anouk", "Vautrin", "0611223344", "anouk@example.org", 5, True, "v1", False, ["CARD-1"], "", 0]]
    )
    path.write_text(json.dumps(document))
    with Store.open(data_dir, DEVICE) as store:
        view = store.customer_by_card("CARD-1")
        assert (view.first_name, view.last_initial, view.phone, store.cursor) == ("Anouk", "V", None, 0)
        store.apply_batch(PulledBatch(cursor=6))
    assert not any(secret in _files(data_dir) for secret in SECRETS)


def test_a_pull_with_malformed_scope_fields_is_refused_before_any_of_it_applies(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        for bad in (
            PulledBatch(cursor=1, removed=("",)),
            PulledBatch(cursor=1, customers=(_state("c1", contact_hashes=(3,)),)),
            PulledBatch(cursor=1, customers=(_state("c1", last_initial=7),)),
        ):
            with pytest.raises(InvalidPull):
                store.apply_batch(bad)
        assert store.cursor == 0 and store.customer("c1") is None


def test_the_service_opens_its_store_with_the_bound_of_its_configuration(tmp_path):
    from device.config import parse_config
    from kiosk.service import KioskService

    config = parse_config(
        {
            "device": {"id": "till-9", "role": "till", "name": "till"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
            "cache": {"max_customers": 2},
        }
    )
    with KioskService.open(config, devices=False, sync=False) as service:
        service.store.apply_batch(PulledBatch(cursor=1, customers=tuple(_state(f"c{n}", n) for n in range(3))))
        assert service.store.stats().customers == 2 and service.store.customer("c0") is None


def test_the_offline_duplicate_check_follows_changes_removals_and_erasures(data_dir):
    old_phone, new_phone = contact_hashes(KEY, "0611223344", None), contact_hashes(KEY, "0699887766", None)
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=(
                    _state("c1", contact_hashes=old_phone),
                    _state("c2", first="Basile", contact_hashes=old_phone),
                ),
            )
        )
        assert sorted(v.customer_id for v in store.customers_with_contact(old_phone)) == ["c1", "c2"]
        store.apply_batch(PulledBatch(cursor=2, customers=(_state("c1", contact_hashes=new_phone),)))
        assert [v.customer_id for v in store.customers_with_contact(old_phone)] == ["c2"]
        store.apply_batch(PulledBatch(cursor=3, removed=("c2",)))
        assert store.customers_with_contact(old_phone) == []
    with Store.open(data_dir, DEVICE) as store:  # the hashes are in the snapshot, as hex
        assert [v.customer_id for v in store.customers_with_contact(new_phone)] == ["c1"]
        store.apply_batch(PulledBatch(cursor=4, erased=("c1",)))
        assert store.customers_with_contact(new_phone) == []
    assert new_phone[0].encode() not in (data_dir / "cache.json").read_bytes()
