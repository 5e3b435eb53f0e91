"""A till of another store holds a customer only once looked up, never their contact details, and learns the
customer's erasure like every device."""

from __future__ import annotations

import httpx
import pytest

from central.customers import erase_customer
from central.embedded import start_background
from central.settings import CentralSettings
from central.transactions import in_transaction
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned

SECRETS = (b"Vautrin", b"0611223344", b"anouk@example.org")


@pytest.fixture
def central_server(sqlite_url):
    """Central with `device_scope = "store"`."""
    server = start_background(sqlite_url, threads=4, settings=CentralSettings(device_scope="store"))
    yield server
    server.stop()
    server.engine.dispose()


def test_a_till_of_another_store_holds_the_looked_up_customer_without_contact_details(
    central_server, open_store, tmp_path
):
    home, away = open_store("till-a"), open_store("till-b")
    tokens = {
        s.device_id: central_server.enrol_device(s.device_id, store_id=store)
        for s, store in ((home, "store-a"), (away, "store-b"))
    }
    workers = [SyncWorker(s, CentralClient(central_server.url, tokens[s.device_id])) for s in (home, away)]
    for event in (
        CustomerRegistered(
            device_id="till-a",
            customer_id="c-9",
            first_name="Anouk",
            last_name="Vautrin",
            phone="0611223344",
            email="anouk@example.org",
        ),
        CardLinked(device_id="till-a", customer_id="c-9", card_uid="CARD-9"),
        PointsEarned(device_id="till-a", customer_id="c-9", receipt_ref="r1", amount_cents=1200, points=12),
    ):
        home.record(event)
    for worker in workers:
        assert worker.sync_once().state == "idle"
    assert away.customer("c-9") is None and away.customer_by_card("CARD-9") is None

    answer = httpx.get(
        f"{central_server.url}/api/customers/by-card/CARD-9", headers={"Authorization": f"Bearer {tokens['till-b']}"}
    )
    assert answer.status_code == 200 and answer.json()["customer"]["points"] == 12
    assert workers[1].sync_once().state == "idle"
    found = away.customer_by_card("CARD-9")
    assert found is not None and found.first_name == "Anouk" and away.balance("c-9") == 12
    away_files = [p for p in (tmp_path).rglob("*") if p.is_file() and "till-b" in str(p)]
    assert away_files
    for path in away_files:
        content = path.read_bytes()
        assert not any(secret in content for secret in SECRETS), path

    in_transaction(central_server.engine, lambda c: erase_customer(c, "c-9", "test"))
    assert workers[1].sync_once().state == "idle"
    view = away.customer("c-9")
    assert view is None or (view.erased and view.first_name is None)
