"""A device whose event central refuses for good keeps it aside and goes on syncing the rest."""

from __future__ import annotations

from device.sync.client import CentralClient
from device.sync.set_aside import SetAsideEvents
from device.sync.worker import SyncWorker
from kiosk.status_report import StatusReport, format_status
from loyalty.domain.events import CustomerErased, PointsEarned


def test_a_refused_event_is_set_aside_and_the_rest_goes_through(central_server, open_store, tmp_path):
    store = open_store("till-1")
    client = CentralClient(central_server.url, central_server.enrol_device("till-1"), timeout_s=5)
    set_aside = SetAsideEvents(tmp_path)
    try:
        store.record(PointsEarned(device_id="till-1", customer_id="c1", receipt_ref="r1", amount_cents=500, points=5))
        bad = store.record(CustomerErased(device_id="till-1", customer_id="c1"))
        store.record(PointsEarned(device_id="till-1", customer_id="c1", receipt_ref="r2", amount_cents=700, points=7))
        worker = SyncWorker(store, client, push_batch=10, set_aside=set_aside)
        status = worker.sync_once()
        assert status.state == "idle" and status.pending == 0 and status.set_aside == 1
        kept = set_aside.entries()
        assert [k["event"]["event_id"] for k in kept] == [bad.event_id]
        assert "only central" in kept[0]["reason"]
        assert (set_aside.path.stat().st_mode & 0o777) == 0o600
        assert store.balance("c1") == 12
        again = worker.sync_once()  # nothing is retried: the round is clean
        assert again.state == "idle" and again.set_aside == 1
    finally:
        client.close()


def test_kiosk_status_shows_the_events_set_aside():
    report = StatusReport(
        "1", False, None, "till-1", "till", 0, 0, 0, (), {}, {"state": "idle", "set_aside": 2}, _disk()
    )
    assert "set aside:      2 event(s)" in format_status(report)


def _disk():
    from kiosk.status_report import DiskSpace

    return DiskSpace("/var/lib/kiosk", 100, 50)
