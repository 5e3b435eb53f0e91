"""A till follows the reference data central publishes: earning rules, cashiers, catalogue, capture mode."""

from __future__ import annotations

import pytest

from central import reference_data
from central.backoffice import staff
from central.demo import card_uid, seed
from central.transactions import in_transaction
from device.bus import EventBus
from device.store import Store
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from device.till import Till
from loyalty.errors import SignInRefused
from tests.central.databases import sqlite_url  # noqa: F401  (fixture)
from tests.sync.conftest import central_server  # noqa: F401  (fixture)


@pytest.fixture
def synced_till(central_server, config):  # noqa: F811
    """A till on an empty store, enrolled with a real central, and the worker that syncs it."""
    seed(central_server.engine, 3)
    store = Store.open(config.data_dir / "store", config.device.id)
    till = Till(config, store, EventBus(), sync_state=lambda: {"state": "idle"})
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), timeout_s=5)
    worker = SyncWorker(store, client, reference=till.reference.apply)
    till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
    till.sessions.open(till.cashiers.get("alice"))
    yield till, worker, central_server.engine
    client.close()
    till.close()
    store.close()


def _sale_points(till: Till, cents: int) -> int:
    till.start_sale({"general": cents})
    return till.card_presented(card_uid(1))["points"]


def test_an_earning_rule_changed_at_central_changes_the_points_after_the_next_sync(synced_till):
    till, worker, engine = synced_till
    assert worker.sync_once().state == "idle"
    assert _sale_points(till, 2000) == 20  # the local config's 1 point per euro
    in_transaction(engine, lambda c: reference_data.put_earning_rules(c, {"base_points": 3, "per_cents": 100}))
    assert _sale_points(till, 2000) == 20  # not synced yet
    assert worker.sync_once().state == "idle"
    assert _sale_points(till, 2000) == 60


def test_a_cashier_created_at_central_signs_in_and_is_refused_once_deactivated(synced_till):
    till, worker, engine = synced_till
    form = {"cashier_id": "bea", "name": "Béa", "role": "manager", "language": "en", "pin": "4321"}
    in_transaction(engine, lambda c: staff.create_cashier(c, "admin", form))
    with pytest.raises(SignInRefused):
        till.cashiers.check("bea", "4321")
    worker.sync_once()
    assert till.cashiers.check("bea", "4321").role == "manager"
    assert till.cashiers.check("alice", "1234").name == "Alice"  # local cashiers still sign in
    assert till.cashiers.manager_override("4321").cashier_id == "bea"
    in_transaction(engine, lambda c: staff.update_cashier(c, "admin", "bea", "manager", False))
    worker.sync_once()
    with pytest.raises(SignInRefused):
        till.cashiers.check("bea", "4321")
    assert "bea" not in [c.cashier_id for c in till.cashiers.all()]


def test_central_wins_for_the_same_cashier_id(synced_till):
    till, worker, engine = synced_till
    in_transaction(
        engine,
        lambda c: staff.create_cashier(
            c, "admin", {"cashier_id": "alice", "name": "Alice Martin", "role": "cashier", "pin": "9999"}
        ),
    )
    worker.sync_once()
    assert till.cashiers.check("alice", "9999").name == "Alice Martin"
    with pytest.raises(SignInRefused):
        till.cashiers.check("alice", "1234")


def test_the_catalogue_comes_from_central_and_withdrawn_rewards_are_not_offered(synced_till):
    till, worker, engine = synced_till
    assert "coffee" in [r.reward_id for r in till.rewards]  # built-in list before any catalogue
    in_transaction(
        engine,
        lambda c: reference_data.put_reward(
            c, "croissant", {"kind": "in_house", "name": "Croissant", "points_price": 5}
        ),
    )
    in_transaction(
        engine, lambda c: reference_data.put_reward(c, "mug", {"kind": "in_house", "name": "Mug", "points_price": 7})
    )
    worker.sync_once()
    assert [r.reward_id for r in till.rewards] == ["croissant", "mug"]
    in_transaction(
        engine,
        lambda c: reference_data.put_reward(
            c, "mug", {"kind": "in_house", "name": "Mug", "points_price": 7, "active": False}
        ),
    )
    worker.sync_once()
    assert [r.reward_id for r in till.rewards] == ["croissant"]


def test_the_store_capture_mode_from_central_applies_unless_the_cashier_has_one(synced_till):
    till, worker, engine = synced_till
    alice = till.cashiers.get("alice")
    assert till.capture_mode(alice) == till.config.till.capture_mode
    in_transaction(engine, lambda c: staff.set_capture_mode(c, "admin", "default", "", "off"))
    worker.sync_once()
    assert till.capture_mode(alice) == "off"
    in_transaction(engine, lambda c: staff.set_capture_mode(c, "admin", "stores", till.config.device.id, "required"))
    worker.sync_once()
    assert till.capture_mode(alice) == "required"
    till.cashiers.add("Carl", "cashier", "2468", cashier_id="carl", capture_mode="suggested")
    assert till.capture_mode(till.cashiers.get("carl")) == "suggested"
