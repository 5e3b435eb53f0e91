"""Two central instances on one PostgreSQL, several devices syncing at once through a faulty network.

Every event is stored exactly once, no voucher code is issued twice, and every device ends with
central's balances.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import func, select

from central.demo import seed
from central.embedded import start_background
from central.schema import customers as customers_table
from central.schema import events as events_table
from central.schema import voucher_codes
from device.sync.client import CentralClient
from device.sync.worker import Backoff, SyncWorker
from loyalty.domain.events import PointsEarned, PointsRedeemed
from loyalty.errors import SyncError
from tests.sync.fault_proxy import FaultProxy

DEVICES = 6
EVENTS_PER_DEVICE = 150
CUSTOMERS = 20
VOUCHERS_PER_DEVICE = 4


def _till(n: int, store, worker: SyncWorker, client: CentralClient, rng: random.Random, issued: list[str]) -> None:
    """Record sales while syncing now and then; ask for partner vouchers through the faulty link."""
    for i in range(EVENTS_PER_DEVICE):
        cid = f"demo-{rng.randrange(CUSTOMERS):06d}"
        if rng.random() < 0.85:
            store.record(
                PointsEarned(
                    device_id=store.device_id,
                    customer_id=cid,
                    receipt_ref=f"t{n}-{i}",
                    amount_cents=1000,
                    points=rng.randrange(1, 20),
                )
            )
        else:
            store.record(
                PointsRedeemed(
                    device_id=store.device_id,
                    customer_id=cid,
                    reward_id="mug",
                    reward_kind="in_house",
                    points=rng.randrange(1, 10),
                )
            )
        if i % 25 == 0:
            worker.sync_once()
    for v in range(VOUCHERS_PER_DEVICE):
        redemption = f"00000000-0000-4000-8000-{n:06d}{v:06d}"
        for _ in range(50):  # same redemption id on every retry: a lost answer never costs a second code
            try:
                issued.append(client.issue_voucher("holiday", "demo-000001", redemption).code)
                break
            except SyncError:
                time.sleep(0.01)  # a device's pause before it retries: part of the load, not a wait for a state


@pytest.mark.slow
@pytest.mark.postgres
def test_two_instances_faulty_network_exactly_once_and_convergence(pg_url, open_store):
    instances = [start_background(pg_url, threads=4) for _ in range(2)]
    proxies = []
    try:
        engine = instances[0].engine
        seed(engine, CUSTOMERS)
        from central.transactions import in_transaction
        from central.vouchers import import_codes

        in_transaction(engine, lambda c: import_codes(c, "holiday", [(f"HV{n:04d}", 5000) for n in range(100)]))
        devices = []
        for n in range(DEVICES):
            upstream = instances[n % 2]
            proxy = FaultProxy((upstream.host, upstream.port), seed=n, delay=0.15, drop=0.15, cut=0.15)
            proxies.append(proxy)
            client = CentralClient(proxy.url, upstream.enrol_device(f"till-{n}"), timeout_s=5)
            store = open_store(f"till-{n}")
            worker = SyncWorker(store, client, push_batch=20, pull_page=15, backoff=Backoff(0.005, 0.02))
            devices.append((store, worker, client))
        issued: list[str] = []
        threads = [
            threading.Thread(target=_till, args=(n, s, w, c, random.Random(100 + n), issued))
            for n, (s, w, c) in enumerate(devices)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        # Settle: sync until every device has nothing pending and saw its own events folded in.
        deadline = time.monotonic() + 60
        for store, worker, _ in devices:
            while (store.pending_count() or store.seq_through < EVENTS_PER_DEVICE) and time.monotonic() < deadline:
                worker.sync_once()
        for _, worker, _ in devices:  # a last round after everyone pushed, to see all tills' events
            while worker.sync_once().state != "idle" and time.monotonic() < deadline:
                pass

        with engine.connect() as c:
            per_device = dict(
                c.execute(select(events_table.c.device_id, func.count()).group_by(events_table.c.device_id)).all()
            )
            distinct = c.execute(select(func.count(events_table.c.event_id.distinct()))).scalar_one()
            balances = dict(c.execute(select(customers_table.c.customer_id, customers_table.c.points)).all())
            codes = c.execute(select(voucher_codes.c.code).where(voucher_codes.c.issued_at.is_not(None))).scalars()
            codes = list(codes)
        assert sum(p.faults["drop"] + p.faults["cut"] for p in proxies) > 10  # the faults did happen
        for n in range(DEVICES):
            assert per_device[f"till-{n}"] == EVENTS_PER_DEVICE
        assert distinct == sum(per_device.values())
        assert len(issued) == DEVICES * VOUCHERS_PER_DEVICE
        assert len(set(issued)) == len(issued) == len(codes)
        for store, _, _ in devices:
            assert store.pending_count() == 0 and store.seq_through == EVENTS_PER_DEVICE
            assert {cid: store.balance(cid) for cid in balances} == balances
    finally:
        for proxy in proxies:
            proxy.close()
        for instance in instances:
            instance.stop()
            instance.engine.dispose()
