"""A full disk during a pull reads "disk full" in the sync status, and the next round after space is freed pulls."""

from __future__ import annotations

from central.demo import seed
from device.store import Store
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from tests.full_disk import fill, small_disk


def test_a_full_disk_during_a_pull_reads_disk_full(central_server, tmp_path):
    seed(central_server.engine, 300)
    with small_disk(tmp_path / "data", 2048) as data:
        store = Store.open(data / "store", "till-1")
        client = CentralClient(central_server.url, central_server.enrol_device("till-1"), timeout_s=5)
        try:
            filler = fill(data)
            worker = SyncWorker(store, client, pull_page=500)
            status = worker.sync_once()
            assert status.state == "disk_full" and status.last_error.startswith("disk full"), status
            assert store.stats().customers == 0  # nothing half-applied
            filler.unlink()
            status = worker.sync_once()
            assert status.state == "idle" and store.stats().customers == 300
        finally:
            client.close()
            store.close()
