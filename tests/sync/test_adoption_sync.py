"""Till figures travel to central with the sync worker and show in the back office's adoption tables."""

from __future__ import annotations

import csv
import io
from datetime import date

from central import create_app
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from loyalty.errors import SyncRefused
from tests.backoffice.conftest import HEAD_OFFICE, BackOffice, add_users
from tests.factories import ManualClock, signed_in_till

KNOWN = "A0000004"
UNKNOWN = "DEADBEEF"


def test_till_figures_reach_the_back_office_report(config, central_server, sqlite_url):
    clock = ManualClock()
    till = signed_in_till(config, clock)
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), timeout_s=5)
    try:
        till.start_sale({"general": 2350})
        clock.now += 4.0
        till.card_presented(KNOWN)
        till.start_sale({"general": 1000})
        clock.now += 2.0
        till.card_presented(UNKNOWN)
        till.register("Zoé", consent=True)
        counting = CountingAdoption(client)
        worker = SyncWorker(till.store, counting, adoption=till.adoption.day_figures)
        assert worker.sync_once().state == "idle"
        assert worker.sync_once().state == "idle"
        assert len(counting.sent) == 1  # unchanged figures are not sent again
        till.start_sale({"general": 500})
        till.card_presented(KNOWN)
        assert worker.sync_once().state == "idle"
        assert [len(rows) for rows in counting.sent] == [1, 1]
        assert counting.sent[1][0]["operations"] == 3
    finally:
        client.close()
        till.close()
        till.store.close()
    assert counting.sent[0][0]["cashier_id"] == "alice" and counting.sent[0][0]["day"] == date.today().isoformat()

    app = create_app(sqlite_url)
    add_users(app.extensions["central.engine"])
    office = BackOffice(app.test_client())
    office.sign_in(HEAD_OFFICE)
    today = date.today().isoformat()
    text = office.get(f"/backoffice/reports/till-cashiers.csv?start={today}&end={today}&variant=data").get_data(
        as_text=True
    )
    rows = {r["cashier_id"]: r for r in csv.DictReader(io.StringIO(text))}
    alice = rows["alice"]
    timed = int(alice["timed_ops"])
    assert (alice["operations"], alice["unknown_cards"], alice["captured"], alice["capture_rate_pct"]) == (
        "3",
        "1",
        "1",
        "100.0",
    )
    assert timed == 3 and int(alice["op_ms_total"]) == 6000 and alice["mean_op_s"] == "2.0"
    stores_csv = office.get("/backoffice/reports/till-stores.csv?variant=data").get_data(as_text=True)
    stores = list(csv.DictReader(io.StringIO(stores_csv)))
    assert [(r["device_id"], r["mean_op_s"], r["capture_rate_pct"]) for r in stores] == [
        (config.device.id, "2.0", "100.0")
    ]
    page = office.get("/backoffice/reports/?lang=fr").get_data(as_text=True)
    assert "Temps par opération et inscriptions en caisse, par magasin" in page
    assert (
        f'<tr data-key="{config.device.id}"><td>{config.device.id}</td><td>3</td><td class="op-time">2,0 s</td>'
    ) in page  # a French page writes French numbers
    app.extensions["central.engine"].dispose()


class CountingAdoption:
    """The real client, noting each adoption request it sends."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client
        self.clock_skew_s = None
        self.sent: list[list[dict]] = []

    def __getattr__(self, name):
        return getattr(self._client, name)

    def push_adoption(self, days):
        self.sent.append(list(days))
        return self._client.push_adoption(days)


class RefusingAdoption:
    """A transport whose adoption call is refused; everything else goes to the real client."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client
        self.clock_skew_s = None

    def __getattr__(self, name):
        return getattr(self._client, name)

    def push_adoption(self, days):
        raise SyncRefused("central refused the request: test")


def test_a_refused_adoption_send_does_not_stop_the_sync(config, central_server):
    till = signed_in_till(config, ManualClock())
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), timeout_s=5)
    try:
        till.start_sale({"general": 2350})
        till.card_presented(KNOWN)
        worker = SyncWorker(till.store, RefusingAdoption(client), adoption=till.adoption.day_figures)
        status = worker.sync_once()
        assert status.state == "idle" and status.pending == 0 and status.pushed_total == 1
    finally:
        client.close()
        till.close()
        till.store.close()


def test_many_rows_go_in_batches_and_only_changed_rows_again(central_server, open_store):
    from central import cashier_figures
    from device.sync.worker import ADOPTION_BATCH

    store = open_store("till-9")
    client = CentralClient(central_server.url, central_server.enrol_device("till-9"), timeout_s=5)
    rows = [{"day": "2026-11-03", "cashier_id": f"c{n:04d}", "operations": 1} for n in range(2 * ADOPTION_BATCH + 5)]
    try:
        counting = CountingAdoption(client)
        worker = SyncWorker(store, counting, adoption=lambda: [dict(r) for r in rows])
        assert worker.sync_once().state == "idle"
        assert [len(part) for part in counting.sent] == [ADOPTION_BATCH, ADOPTION_BATCH, 5]
        rows[7]["operations"] = 2
        worker.sync_once()
        assert counting.sent[-1] == [rows[7]]
    finally:
        client.close()
    with central_server.engine.connect() as c:
        by_cashier, by_store = cashier_figures.adoption_rows(c, None, None)
    assert len(by_cashier) == len(rows) and by_store[0].operations == len(rows) + 1
