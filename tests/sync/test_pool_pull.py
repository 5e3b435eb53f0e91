"""Pools through the pull: memberships set at central reach every till, whose members' earns then contribute."""

from __future__ import annotations

from central import pools as central_pools
from central.demo import seed
from device.store import Store
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from loyalty.domain.events import PointsEarned


def _device(central_server, open_store, device_id):
    store = open_store(device_id)
    client = CentralClient(central_server.url, central_server.enrol_device(device_id), timeout_s=5)
    return store, client, SyncWorker(store, client, push_batch=5, pull_page=7)


def _earn(store, cid: str, points: int, ref: str) -> PointsEarned:
    return store.record(
        PointsEarned(
            device_id=store.device_id, customer_id=cid, receipt_ref=ref, amount_cents=points * 100, points=points
        )
    )


def test_member_set_at_central_contributes_at_any_till_and_all_devices_agree(central_server, open_store):
    seed(central_server.engine, 5)
    with central_server.engine.begin() as connection:
        central_pools.set_member(connection, "family-1", "demo-000001", 50, "head-office")
        central_pools.set_member(connection, "family-1", "demo-000002", 100, "head-office")
    till_a, client_a, worker_a = _device(central_server, open_store, "till-a")
    till_b, client_b, worker_b = _device(central_server, open_store, "till-b")
    try:
        assert worker_a.sync_once().state == "idle" and worker_b.sync_once().state == "idle"
        assert till_a.pool_of("demo-000001") == ("family-1", 50)
        assert till_b.pool_of("demo-000002") == ("family-1", 100)
        assert till_a.pool_of("demo-000003") is None

        before = till_a.balance("demo-000001")
        _earn(till_a, "demo-000001", 31, "a-1")  # 15 to the pool (floor of 31 x 50%)
        _earn(till_b, "demo-000002", 7, "b-1")  # all 7 to the pool
        _earn(till_b, "demo-000003", 9, "b-2")  # not a member: nothing to the pool
        assert till_a.balance("demo-000001") == before + 16
        assert till_a.pool_balance("family-1") == 15  # offline already, before any sync
        assert till_b.pool_balance("family-1") == 7

        for worker in (worker_a, worker_b, worker_a):
            assert worker.sync_once().state == "idle"
        with central_server.engine.connect() as connection:
            at_central = central_pools.pool_state(connection, "family-1").points
        assert at_central == 22
        assert till_a.pool_balance("family-1") == till_b.pool_balance("family-1") == 22
        summary = till_b.pool_summary("demo-000001")
        assert summary is not None and (summary.points, summary.members, summary.share_pct) == (22, 2, 50)
    finally:
        client_a.close()
        client_b.close()


def test_leaving_at_central_stops_contributions_at_the_till_and_survives_a_restart(
    central_server, open_store, tmp_path
):
    seed(central_server.engine, 3)
    with central_server.engine.begin() as connection:
        central_pools.set_member(connection, "works-9", "demo-000001", 20, "head-office")
    till, client, worker = _device(central_server, open_store, "till-a")
    try:
        worker.sync_once()
        _earn(till, "demo-000001", 10, "r-1")  # 2 to the pool
        worker.sync_once()
        with central_server.engine.begin() as connection:
            central_pools.remove_member(connection, "works-9", "demo-000001", "head-office")
        worker.sync_once()
        assert till.pool_of("demo-000001") is None
        _earn(till, "demo-000001", 10, "r-2")
        worker.sync_once()
        assert till.pool_balance("works-9") == 2
        data_dir = till._dir
        till.close()
        with Store.open(data_dir, "till-a") as reopened:
            assert reopened.pool_balance("works-9") == 2 and reopened.pool_of("demo-000001") is None
    finally:
        client.close()
