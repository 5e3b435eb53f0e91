"""The worker keeps central's reference data before the store's cursor moves past a page."""

from __future__ import annotations

from central import reference_data
from central.transactions import in_transaction
from device.reference_cache import ReferenceCache
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker


def test_a_failed_save_stops_the_round_and_the_page_comes_again(central_server, open_store, tmp_path):
    in_transaction(
        central_server.engine,
        lambda c: reference_data.put_reward(c, "mug", {"kind": "in_house", "name": "Mug", "points_price": 7}),
    )
    store = open_store("till-1")
    cache = ReferenceCache(tmp_path / "reference-data.json")
    calls = []

    def failing(batch):
        calls.append(store.cursor)
        raise OSError(28, "No space left on device")

    with CentralClient(central_server.url, central_server.enrol_device("till-1"), timeout_s=5) as client:
        status = SyncWorker(store, client, reference=failing).sync_once()
        assert status.state == "disk_full" and status.last_error.startswith("disk full")
        assert store.cursor == 0 and calls == [0]
        assert SyncWorker(store, client, reference=cache.apply).sync_once().state == "idle"
    assert store.cursor > 0 and [r.reward_id for r in cache.rewards()] == ["mug"]
