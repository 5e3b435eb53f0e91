"""The kiosk's history call against a real central: what a till synced shows on the kiosk, once per event."""

from __future__ import annotations

from central.demo import seed
from device.selfservice.online import KioskCentral
from device.sync.worker import SyncWorker
from loyalty.domain.events import PointsEarned


def test_kiosk_reads_operations_another_till_synced(central_server, open_store):
    seed(central_server.engine, 2)
    till = open_store("till-1")
    till_client = KioskCentral(central_server.url, central_server.enrol_device("till-1"), timeout_s=5)
    kiosk = KioskCentral(central_server.url, central_server.enrol_device("kiosk-1"), timeout_s=5)
    try:
        earn = till.record(
            PointsEarned(device_id="till-1", customer_id="demo-000001", receipt_ref="R9", amount_cents=1200, points=12)
        )
        assert SyncWorker(till, till_client).sync_once().state == "idle"
        rows = kiosk.recent_operations("demo-000001", 5)
        assert rows[0]["event_id"] == earn.event_id and (rows[0]["kind"], rows[0]["points"]) == ("earned", 12)
    finally:
        till_client.close()
        kiosk.close()
