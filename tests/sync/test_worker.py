"""The sync worker against a real central: push then pull, resume after failures, backoff, status."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from central.demo import seed
from central.schema import customers
from device.sync.client import CentralClient
from device.sync.worker import Backoff, SyncWorker
from loyalty.domain.events import PointsEarned, PointsRedeemed
from loyalty.errors import SyncUnavailable
from tests.waiting import wait_until


def _earn(store, cid: str, points: int) -> PointsEarned:
    return store.record(
        PointsEarned(
            device_id=store.device_id, customer_id=cid, receipt_ref=f"r-{cid}", amount_cents=points * 100, points=points
        )
    )


@pytest.fixture
def device(central_server, open_store):
    store = open_store("till-1")
    client = CentralClient(central_server.url, central_server.enrol_device("till-1"), timeout_s=5)
    yield store, client
    client.close()


def test_one_round_pushes_everything_and_pulls_the_state(central_server, device):
    store, client = device
    seed(central_server.engine, 30)
    for _ in range(23):
        _earn(store, "demo-000001", 1)
    worker = SyncWorker(store, client, push_batch=5, pull_page=7)
    status = worker.sync_once()
    assert status.state == "idle" and status.pending == 0 and status.pushed_total == 23
    assert status.last_success is not None and status.consecutive_failures == 0
    assert store.seq_through == 23 and store.stats().customers == 30
    with central_server.engine.connect() as c:
        central_points = c.execute(select(customers.c.points).where(customers.c.customer_id == "demo-000001"))
        assert store.balance("demo-000001") == central_points.scalar_one()
    assert status.pulled_pages_total >= 5  # 30 customers + 30 cards in pages of 7


class FlakyClient:
    """Wraps a real client and fails the n-th calls, to cut a round at any point."""

    def __init__(self, client: CentralClient, fail_on: set[int]) -> None:
        self._client = client
        self._fail_on = fail_on
        self.calls = 0
        self.clock_skew_s = None

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls in self._fail_on:
            raise SyncUnavailable("central could not be reached (test cut)")

    def push(self, events):
        self._maybe_fail()
        return self._client.push(events)

    def pull(self, cursor, limit):
        self._maybe_fail()
        return self._client.pull(cursor, limit)


@pytest.mark.parametrize("cut_at", [1, 2, 3, 5, 6, 8])
def test_a_round_cut_anywhere_resumes_and_converges(central_server, device, open_store, cut_at):
    store, client = device
    seed(central_server.engine, 12)
    for n in range(10):
        _earn(store, f"demo-{n:06d}", n + 1)
    flaky = FlakyClient(client, {cut_at})
    worker = SyncWorker(store, flaky, push_batch=3, pull_page=4, backoff=Backoff(0.01, 0.02))
    first = worker.sync_once()
    if first.state == "offline":
        assert first.consecutive_failures == 1 and "test cut" in first.last_error
    second = worker.sync_once()
    assert second.state == "idle" and second.pending == 0
    with central_server.engine.connect() as c:
        central_points = dict(c.execute(select(customers.c.customer_id, customers.c.points)).all())
    assert len(central_points) == 12
    assert {cid: store.balance(cid) for cid in central_points} == central_points


def test_a_redemption_made_twice_offline_is_kept_and_reported(central_server, open_store):
    seed(central_server.engine, 1)
    stores = [open_store(f"till-{n}") for n in (1, 2)]
    workers = [
        SyncWorker(s, CentralClient(central_server.url, central_server.enrol_device(s.device_id))) for s in stores
    ]
    for w in workers:
        w.sync_once()
    points = stores[0].balance("demo-000000")
    for s in stores:  # both tills offline, each sees the full balance and spends it
        s.record(
            PointsRedeemed(
                device_id=s.device_id, customer_id="demo-000000", reward_id="r", reward_kind="in_house", points=points
            )
        )
    totals = [w.sync_once().flagged_total for w in workers]
    assert sum(totals) == (1 if points else 0)
    workers[0].sync_once()
    assert stores[0].balance("demo-000000") == -points


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    backoff = Backoff(base_s=1.0, cap_s=60.0)
    rng = random.Random(3)
    for failures, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)]:
        delays = [backoff.delay(failures, rng) for _ in range(200)]
        assert all(ceiling * 0.5 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling * 0.3  # jitter spreads the devices out
    assert backoff.delay(0, rng) == 0


def test_unreachable_central_backs_off_and_keeps_events(open_store):
    store = open_store("till-1")
    _earn(store, "c1", 5)
    seen = []
    client = CentralClient("http://127.0.0.1:9", "token", timeout_s=1)
    worker = SyncWorker(store, client, backoff=Backoff(1.0, 10.0), rng=random.Random(1), on_status=seen.append)
    statuses = [worker.sync_once() for _ in range(3)]
    assert [s.state for s in statuses] == ["offline"] * 3
    assert [s.consecutive_failures for s in statuses] == [1, 2, 3]
    assert statuses[2].next_attempt_in_s > statuses[0].next_attempt_in_s
    assert store.pending_count() == 1 and statuses[2].pending == 1
    assert "could not be reached" in statuses[2].last_error
    assert seen and seen[-1] == statuses[2]


def test_revoked_device_reports_not_enrolled(central_server, device):
    store, client = device
    from central.devices import revoke
    from central.transactions import in_transaction

    in_transaction(central_server.engine, lambda c: revoke(c, "till-1"))
    status = SyncWorker(store, client).sync_once()
    assert status.state == "not_enrolled" and "enrol" in status.last_error


def test_background_thread_syncs_on_wake_and_stops(central_server, device):
    store, client = device
    worker = SyncWorker(store, client, interval_s=3600)
    worker.start()
    try:
        wait_until(lambda: worker.status().last_success is not None, 10, what="no first sync round")
        _earn(store, "c1", 3)
        worker.wake()  # with an hour between rounds, only the wake can push the earn now
        wait_until(lambda: store.pending_count() == 0, 10, what="the wake did not push the earn")
    finally:
        worker.stop()
    assert not worker.running and worker.status().state == "stopped"


def test_a_device_clock_years_off_changes_nothing(central_server, device):
    store, client = device
    seed(central_server.engine, 2)
    for at in ("2036-03-01T09:00:00+01:00", "2001-01-01T09:00:00+01:00"):
        store.record(
            PointsEarned(
                device_id=store.device_id, customer_id="demo-000001", receipt_ref=at, amount_cents=500, points=5, at=at
            )
        )
    status = SyncWorker(store, client).sync_once()
    assert status.state == "idle" and status.pending == 0 and store.seq_through == 2
    with central_server.engine.connect() as c:
        points = c.execute(select(customers.c.points).where(customers.c.customer_id == "demo-000001")).scalar_one()
    assert store.balance("demo-000001") == points
    assert status.clock_skew_s is not None and abs(status.clock_skew_s) < 60
