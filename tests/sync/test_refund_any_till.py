"""Refund at any till of the store: a receipt earned at till B is refunded at till C through central."""

from __future__ import annotations

from dataclasses import replace

import pytest

from device.bus import EventBus
from device.store import Store
from device.sync.client import CentralClient
from device.till import Till
from loyalty.domain.events import EarnReversed
from loyalty.errors import ConfirmationRequired, NothingToReverse, ReceiptNeedsCentral, UnknownReceipt
from tests.factories import ManualClock, seed_store


@pytest.fixture
def two_tills(config, central_server, tmp_path):
    """Tills B and C of store-9, each with its own store and its own link to central."""
    made = []
    for name in ("till-b", "till-c"):
        store = Store.open(tmp_path / name, name)
        seed_store(store, 5)
        conf = replace(
            config,
            device=replace(config.device, id=name, store_id="store-9"),
            paths=replace(config.paths, data_dir=str(tmp_path / f"{name}-data")),
        )
        state = {"state": "idle"}
        client = CentralClient(central_server.url, central_server.enrol_device(name, store_id="store-9"), 5)
        till = Till(
            conf,
            store,
            EventBus(),
            sync_state=lambda state=state: state,
            clock=ManualClock(),
            receipt_source=client.receipt_earn,
        )
        till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
        till.cashiers.add("Marc", "manager", "5678", cashier_id="marc")
        made.append((till, client, state))
    yield made
    for till, client, _ in made:
        client.close()
        till.close()
        till.live_store.close()


def _earn_at(till: Till, client: CentralClient, ref: str, cents: int) -> None:
    till.start_sale({"general": cents}, receipt_ref=ref, source="pos")
    till.card_presented("A0000004")  # cust-00004, 40 points
    client.push(till.store.pending())


def test_a_receipt_of_till_b_is_refunded_at_till_c_online(two_tills):
    (b, b_client, _), (c, c_client, _) = two_tills
    _earn_at(b, b_client, "B-100", 3000)  # 30 points at till B
    result = c.refund("B-100", 1000)  # a third of it, at till C
    assert result["points"] == 10 and result["customer"]["points"] == 30
    assert c.refund("B-100")["points"] == 20  # the rest: never more than the receipt
    reversals = [e for e in c.store.pending() if isinstance(e, EarnReversed)]
    assert [e.refund_cents for e in reversals] == [1000, 2000]
    with pytest.raises(NothingToReverse, match="refunded in full"):
        c.refund("B-100", 100)
    answer = c_client.push(c.store.pending())
    assert not answer.flagged
    with pytest.raises(UnknownReceipt):
        c.refund("NEVER-SOLD")


def test_offline_the_other_tills_receipt_needs_central_and_a_manager_notes_it_for_later(two_tills):
    (b, b_client, _), (c, c_client, c_state) = two_tills
    _earn_at(b, b_client, "B-200", 2000)
    c_state["state"] = "offline"
    with pytest.raises(ReceiptNeedsCentral, match="needs the central server"):
        c.refund("B-200")
    assert c.store.pending() == []
    with pytest.raises(ConfirmationRequired):
        c.refund("B-200", later=True)
    noted = c.refund("B-200", later=True, manager_pin="5678")
    assert noted["waiting"] is True and [w.receipt_ref for w in c.waiting_refunds.all()] == ["B-200"]
    assert c.make_waiting_refunds() == 0  # still offline: it keeps waiting
    c_state["state"] = "idle"
    c.central_answers()  # what the service calls after a sync round that reached central
    c._effects.submit(lambda: None).result(timeout=30)  # the till's follow-ups run in order: wait for them
    assert c.waiting_refunds.all() == []
    assert [e.points for e in c.store.pending() if isinstance(e, EarnReversed)] == [20]
