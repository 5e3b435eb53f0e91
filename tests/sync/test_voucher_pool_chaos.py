"""Voucher pool under chaos: several tills, two central processes on one PostgreSQL, instances killed (-9).

Tills redeem partner vouchers through whichever instance answers; when an answer is lost the cashier
retries (the same redemption id) or gives up. After the tills push what they recorded and central releases
what never came, codes issued = partner redemptions recorded, and the check finds nothing to reconcile.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from central.db import migrate
from central.embedded import enrol_device
from central.schema import events, voucher_codes
from central.transactions import in_transaction
from central.voucher_reconcile import reconcile, release_unconfirmed
from central.vouchers import import_codes
from device.bus import EventBus
from device.store import Store
from device.sync.client import CentralClient
from device.till import Till
from loyalty.domain.events import PointsRedeemed
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.errors import KioskError, SyncError
from tests.cli.conftest import free_port
from tests.factories import ManualClock
from tests.spawned import wait_answering

ROOT = Path(__file__).resolve().parents[2]
TILLS = 4
REDEMPTIONS_PER_TILL = 12
#: Cashiers go on until the kills are over, so the kills always land while codes are being issued
#: (4 tills x 90 stays below the pool's 400 codes).
MAX_REDEMPTIONS_PER_TILL = 90
KILLS = 4


class CentralProcess:
    """`python -m central serve` on its own port; killed with SIGKILL and started again on the same port."""

    def __init__(self, url: str, port: int) -> None:
        self.port = port
        self.env = {**os.environ, "CENTRAL_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "CENTRAL_THREADS": "4"}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "central", "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_answering(self.url + "/api/health", self.process, ok_only=False)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class Balancer:
    """A till's voucher call to whichever instance it picks, like a load balancer with no retry of its own."""

    def __init__(self, instances: list[CentralProcess], token: str, rng: random.Random) -> None:
        self.clients = [CentralClient(i.url, token, 2) for i in instances]
        self.rng = rng

    def __call__(self, partner, customer_id, redemption_id):
        return self.rng.choice(self.clients).issue_voucher(partner, customer_id, redemption_id)

    def push(self, store: Store) -> None:
        while store.pending_count():
            for client in self.clients:
                try:
                    store.acknowledge(client.push(store.pending(200)).acknowledged)
                    break
                except SyncError:
                    time.sleep(0.2)  # a device's pause before it retries, while an instance restarts

    def close(self) -> None:
        for client in self.clients:
            client.close()


def _till(tmp_path: Path, config, n: int) -> Till:
    device = f"till-{n}"
    store = Store.open(tmp_path / device, device)
    store.apply_batch(
        PulledBatch(
            cursor=0,
            customers=tuple(
                CustomerState(customer_id=f"c{n}-{k}", points=100_000, first_name="Client") for k in range(3)
            ),
            cards=tuple(
                CardState(card_uid=f"{0xB0000000 + n * 16 + k:08X}", customer_id=f"c{n}-{k}") for k in range(3)
            ),
        )
    )
    from dataclasses import replace

    till_config = replace(
        config,
        device=replace(config.device, id=device),
        paths=replace(config.paths, data_dir=str(tmp_path / f"{device}-data")),
    )
    till = Till(till_config, store, EventBus(), sync_state=lambda: {"state": "idle"}, clock=ManualClock())
    till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
    return till


def _cashier(till: Till, rng: random.Random, failures: list[str], kills_over: threading.Event) -> None:
    """Redeem vouchers for the till's customers until the kills are over; after a lost answer retry, or now and
    then give up."""
    for r in range(MAX_REDEMPTIONS_PER_TILL):
        if r >= REDEMPTIONS_PER_TILL and kills_over.is_set():
            break
        till.card_presented(f"{0xB0000000 + int(till.config.device.id.split('-')[1]) * 16 + r % 3:08X}")
        for _ in range(40):
            try:
                till.redeem("holiday-20", pin="1234")
                break
            except KioskError as exc:
                failures.append(type(exc).__name__)
                if rng.random() < 0.2:
                    break  # the cashier gives up: the customer comes back another day
                time.sleep(0.05)  # the cashier's pause before trying again: part of the load


@pytest.mark.slow
@pytest.mark.postgres
def test_codes_issued_equal_redemptions_recorded_with_instances_killed(pg_url, config, tmp_path):
    engine = create_engine(pg_url)
    migrate(engine)
    in_transaction(engine, lambda c: import_codes(c, "holidays", [(f"H{n:04d}", 2000) for n in range(400)]))
    tokens = [enrol_device(engine, f"till-{n}") for n in range(TILLS)]
    instances = [CentralProcess(pg_url, free_port()) for _ in range(2)]
    tills, balancers = [], []
    try:
        for instance in instances:
            instance.start()
        rng = random.Random(15)
        failures: list[str] = []
        for n in range(TILLS):
            till = _till(tmp_path, config, n)
            balancer = Balancer(instances, tokens[n], random.Random(n))
            till.voucher_issuer = balancer
            tills.append(till)
            balancers.append(balancer)
        kills_over = threading.Event()
        cashiers = [
            threading.Thread(target=_cashier, args=(t, random.Random(100 + n), failures, kills_over))
            for n, t in enumerate(tills)
        ]
        for thread in cashiers:
            thread.start()
        for k in range(KILLS):
            time.sleep(0.4 + rng.random())  # kills at random moments while the tills work: the chaos itself
            victim = instances[k % 2]
            victim.kill()
            time.sleep(0.3)  # the instance stays down a while, as a crashed one does
            victim.start()
        for thread in cashiers:
            thread.join(timeout=120)
        for till, balancer in zip(tills, balancers, strict=True):
            balancer.push(till.live_store)
        assert failures, "no instance kill reached a till: the test proved nothing"

        released = in_transaction(engine, lambda c: release_unconfirmed(c, release_after_s=0))
        with engine.connect() as connection:
            issued = connection.execute(
                select(func.count()).select_from(voucher_codes).where(voucher_codes.c.issued_at.is_not(None))
            ).scalar_one()
            redemptions = connection.execute(
                select(func.count()).select_from(events).where(events.c.type == "PointsRedeemed")
            ).scalar_one()
            vouchers = connection.execute(
                select(func.count()).select_from(events).where(events.c.type == "VoucherIssued")
            ).scalar_one()
        recorded = sum(1 for t in tills for e in t.live_store.pending() if isinstance(e, PointsRedeemed))
        assert recorded == 0  # everything pushed
        assert issued == redemptions == vouchers > 0, (issued, redemptions, vouchers, len(released))
        assert in_transaction(engine, lambda c: reconcile(c, grace_s=0)) == []
    finally:
        for instance in instances:
            instance.kill()
        for till, balancer in zip(tills, balancers, strict=True):
            balancer.close()
            till.close()
            till.live_store.close()
        engine.dispose()
