"""Cashiers' training progress travels to central with the sync worker: only changed rows, never stopping the sync."""

from __future__ import annotations

import re
import socket
from datetime import date

from central import create_app, training_progress
from central.schema import events
from device.sync.client import CentralClient
from device.sync.worker import TRAINING_BATCH, SyncWorker
from tests.backoffice.conftest import HEAD_OFFICE, BackOffice, add_users
from tests.factories import ManualClock, signed_in_till

KNOWN = "A0000004"


def _stored(server, device_id=None):
    with server.engine.connect() as c:
        return [
            (r.device_id, r.cashier_id, r.drill, r.best_score, r.best_ms)
            for r in training_progress.stored_rows(c, device_id)
        ]


class CountingTraining:
    """The real client, noting each training request it sends; `training_to` may point those elsewhere."""

    def __init__(self, client: CentralClient) -> None:
        self._client = client
        self.training_to = client
        self.clock_skew_s = None
        self.sent: list[list[dict]] = []

    def __getattr__(self, name):
        return getattr(self._client, name)

    def push_training(self, progress):
        self.sent.append(list(progress))
        return self.training_to.push_training(progress)


def _dead_url() -> str:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing answers there
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_drill_done_in_training_reaches_central_once_and_shows_in_the_back_office(config, central_server, sqlite_url):
    clock = ManualClock()
    till = signed_in_till(config, clock)
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), timeout_s=5)
    counting = CountingTraining(client)
    worker = SyncWorker(till.store, counting, training=till.training_book.progress)
    try:
        assert worker.sync_once().state == "idle" and counting.sent == []  # nothing trained yet: no request
        till.start_drill("known_card")
        till.start_sale({"general": 900})
        clock.now += 6.5
        till.card_presented(KNOWN)
        assert worker.sync_once().state == "idle"
        assert worker.sync_once().state == "idle"
        assert len(counting.sent) == 1  # unchanged progress is not sent again
        assert _stored(central_server) == [(config.device.id, "alice", "known_card", 100, 6500)]
        till.start_drill("known_card")
        till.start_sale({"general": 900})
        clock.now += 3.0
        till.card_presented(KNOWN)  # faster: a new best
        till.start_drill("paper_out")  # started, not done: nothing to send for it
        worker.sync_once()
        assert [[(r["drill"], r["best_seconds"]) for r in rows] for rows in counting.sent] == [
            [("known_card", 6.5)],
            [("known_card", 3.0)],
        ]
        assert _stored(central_server) == [(config.device.id, "alice", "known_card", 100, 3000)]
    finally:
        client.close()
        till.close()
        till.store.close()
    with central_server.engine.connect() as c:
        assert c.execute(events.select()).all() == []  # the training sale itself never left the till

    app = create_app(sqlite_url)
    add_users(app.extensions["central.engine"])
    office = BackOffice(app.test_client())
    office.sign_in(HEAD_OFFICE)
    page = office.get("/backoffice/cashiers/?lang=en").get_data(as_text=True)
    row = page.split('<tr data-cashier="alice">', 1)[1].split("</tr>", 1)[0]
    assert 'class="count">1 / 5<' in row
    assert re.search(
        r'data-drill="known_card" class="done">✔ 100/100 · 3.0 s<br><small>test-till-1 · since '
        + date.today().strftime("%d/%m/%Y"),
        row,
    )  # the local day, as a manager reads it
    device = office.get(f"/backoffice/devices/{config.device.id}?lang=fr").get_data(as_text=True)
    assert '<tr data-cashier="alice">' in device.split('id="device-training"', 1)[1]
    app.extensions["central.engine"].dispose()


def test_many_rows_go_in_batches_and_only_changed_rows_again(central_server, open_store):
    store = open_store("till-9")
    client = CentralClient(central_server.url, central_server.enrol_device("till-9"), timeout_s=5)
    rows = [
        {"cashier_id": f"c{n:04d}", "drill": "redeem", "best_score": 60, "best_seconds": 9.5, "first_done_at": None}
        for n in range(2 * TRAINING_BATCH + 5)
    ]
    try:
        counting = CountingTraining(client)
        worker = SyncWorker(store, counting, training=lambda: [dict(r) for r in rows])
        assert worker.sync_once().state == "idle"
        assert [len(part) for part in counting.sent] == [TRAINING_BATCH, TRAINING_BATCH, 5]
        rows[7]["best_score"] = 100
        worker.sync_once()
        assert counting.sent[-1] == [rows[7]]
    finally:
        client.close()
    stored = _stored(central_server, "till-9")
    assert len(stored) == len(rows) and stored[7][3] == 100


def test_a_refusal_is_logged_and_the_sync_goes_on(config, central_server, caplog):
    till = signed_in_till(config, ManualClock())
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), timeout_s=5)
    good = {"cashier_id": "alice", "drill": "refund", "best_score": 80, "best_seconds": 4.0, "first_done_at": None}
    bad = good | {"drill": "juggling"}  # a drill central does not know: the whole request is refused
    rows = [good, bad]
    try:
        till.start_sale({"general": 2350})
        till.card_presented(KNOWN)
        counting = CountingTraining(client)
        worker = SyncWorker(till.store, counting, training=lambda: list(rows))
        status = worker.sync_once()
        assert status.state == "idle" and status.pending == 0 and status.pushed_total == 1
        assert "training progress not sent this round" in caplog.text and "drill must be one of" in caplog.text
        assert _stored(central_server) == []
        rows.remove(bad)
        assert worker.sync_once().state == "idle"
        assert counting.sent[-1] == [good]  # not noted as sent while refused, so sent again
        assert _stored(central_server) == [(config.device.id, "alice", "refund", 80, 4000)]
    finally:
        client.close()
        till.close()
        till.store.close()


def test_central_down_keeps_the_progress_for_a_later_round(config, central_server):
    till = signed_in_till(config, ManualClock())
    token = central_server.enrol_device(config.device.id)
    progress = [
        {
            "cashier_id": "alice",
            "drill": "redeem",
            "best_score": 100,
            "best_seconds": 7.5,
            "first_done_at": "2026-12-01T09:00:00+01:00",
        }
    ]
    dead = CentralClient(_dead_url(), token, timeout_s=1)
    client = CentralClient(central_server.url, token, timeout_s=5)
    try:
        down = SyncWorker(till.store, dead, training=lambda: list(progress))
        status = down.sync_once()  # nothing answers: the round fails calmly, nothing raised
        assert status.state == "offline" and status.consecutive_failures == 1
        counting = CountingTraining(client)
        counting.training_to = dead  # central answers the push and pull, but is gone for the training request
        worker = SyncWorker(till.store, counting, training=lambda: list(progress))
        assert worker.sync_once().state == "idle"
        assert _stored(central_server) == []
        counting.training_to = client  # back
        assert worker.sync_once().state == "idle"
        assert len(counting.sent) == 2
        assert _stored(central_server) == [(config.device.id, "alice", "redeem", 100, 7500)]
    finally:
        dead.close()
        client.close()
        till.close()
        till.store.close()
