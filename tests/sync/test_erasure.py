"""An erasure at central reaches a device at its next sync: cache and outbox lose the personal data."""

from __future__ import annotations

from sqlalchemy import select

from central.customers import erase_customer
from central.schema import events
from central.transactions import in_transaction
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned, ProfileUpdated


def test_erasure_reaches_the_device_cache_and_outbox(central_server, open_store, tmp_path):
    till, other = open_store("till-1"), open_store("till-2")
    workers = [
        SyncWorker(s, CentralClient(central_server.url, central_server.enrol_device(s.device_id)))
        for s in (till, other)
    ]
    for event in (
        CustomerRegistered(
            device_id="till-1", customer_id="c-9", first_name="Anouk", last_name="Vautrin", phone="0611223344"
        ),
        CardLinked(device_id="till-1", customer_id="c-9", card_uid="CARD-9"),
        PointsEarned(device_id="till-1", customer_id="c-9", receipt_ref="r1", amount_cents=1200, points=12),
    ):
        till.record(event)
    for worker in workers:
        worker.sync_once()
    assert other.customer("c-9").first_name == "Anouk"
    # The other till edits the profile while central erases the customer.
    other.record(ProfileUpdated(device_id="till-2", customer_id="c-9", email="anouk@example.org"))
    in_transaction(central_server.engine, lambda c: erase_customer(c, "c-9", "test"))
    for worker in workers:
        assert worker.sync_once().state == "idle"
    for store in (till, other):
        view = store.customer("c-9")
        assert view is None or (view.erased and view.first_name is None and view.email is None)
        assert store.pending_count() == 0
        assert store.search("anouk") == []
    with central_server.engine.connect() as c:
        stored = " ".join(c.execute(select(events.c.payload)).scalars())
    assert "Anouk" not in stored and "anouk@" not in stored and "0611223344" not in stored
    assert '"points":12' in stored  # the ledger keeps the anonymous amount
