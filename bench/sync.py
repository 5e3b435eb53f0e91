"""Sync throughput: events/s ingested through 2 central instances from 8 devices, and a 10k catch-up.

Runs on the PostgreSQL at 127.0.0.1:5432 (database `test`, a private schema dropped afterwards) when it
answers, else on a SQLite file. The two central instances are separate processes (waitress), as in the
field. Baseline, measured in the same run: the same devices pushing one event per request. The catch-up
device uses the real device store (`device.store`): push 10 000 events, then pull to date.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from central.db import make_engine, migrate
from central.demo import customer_id, seed
from central.embedded import enrol_device
from central.schema import events as events_table
from device.store import Store
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from loyalty.domain.events import PointsEarned, PointsRedeemed, to_record

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CUSTOMERS = 1000


def _device_events(device_id: str, count: int, start_seq: int = 1) -> list:
    made = []
    for i in range(count):
        seq = start_seq + i
        cid = customer_id((seq * 7919 + hash(device_id)) % CUSTOMERS)
        if i % 10 == 9:
            made.append(
                PointsRedeemed(
                    device_id=device_id, seq=seq, customer_id=cid, reward_id="coffee", reward_kind="in_house", points=5
                )
            )
        else:
            made.append(
                PointsEarned(
                    device_id=device_id,
                    seq=seq,
                    customer_id=cid,
                    receipt_ref=f"{device_id}-{seq}",
                    amount_cents=2350,
                    points=23,
                    lines=(("general", 2350, 23),),
                )
            )
    return made


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_instances(url: str, count: int) -> list[tuple[subprocess.Popen, str]]:
    started = []
    for _ in range(count):
        port = _free_port()
        env = dict(os.environ, CENTRAL_DATABASE_URL=url, CENTRAL_THREADS="4")
        proc = subprocess.Popen(
            [sys.executable, "-m", "central", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append((proc, f"http://127.0.0.1:{port}"))
    for proc, base in started:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"central instance at {base} did not start")
            time.sleep(0.1)
    return started


def _push_all(bases: list[str], tokens: list[str], bodies: list[list[bytes]]) -> float:
    """Every device pushes its pre-encoded batches in parallel; returns the wall time in seconds."""
    errors: list[str] = []

    def device(n: int) -> None:
        with httpx.Client(
            base_url=bases[n % len(bases)],
            timeout=60,
            headers={"Authorization": f"Bearer {tokens[n]}", "Content-Type": "application/json"},
        ) as http:
            for body in bodies[n]:
                for _ in range(5):
                    response = http.post("/api/sync/push", content=body)
                    if response.status_code == 200:
                        break
                else:
                    errors.append(f"device {n}: HTTP {response.status_code}")

    threads = [threading.Thread(target=device, args=(n,)) for n in range(len(tokens))]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("; ".join(errors[:3]))
    return time.perf_counter() - start


def _encode(events: list, batch: int) -> list[bytes]:
    return [
        json.dumps({"events": [to_record(e) for e in events[i : i + batch]]}).encode()
        for i in range(0, len(events), batch)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller run (seconds)")
    args = parser.parse_args()
    per_device = 2_000 if args.quick else 10_000
    baseline_per_device = 50 if args.quick else 150
    catchup = 2_000 if args.quick else 10_000
    devices, batch = 8, 500

    schema = None
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url, backend = f"{PG_URL}?options=-csearch_path%3D{schema}", "postgresql"
    except Exception:  # no server here: measure the SQLite path instead
        schema, admin = None, None
        url, backend = f"sqlite:///{Path(tempfile.mkdtemp()) / 'central.db'}", "sqlite"
    engine = make_engine(url)
    instances = []
    try:
        migrate(engine)
        seed(engine, CUSTOMERS)
        instances = _start_instances(url, 2)
        bases = [base for _, base in instances]
        tokens = [enrol_device(engine, f"bench-{n}") for n in range(devices)]

        base_events = [_device_events(f"bench-{n}", baseline_per_device) for n in range(devices)]
        base_s = _push_all(bases, tokens, [_encode(e, 1) for e in base_events])
        baseline_rate = devices * baseline_per_device / base_s

        start_seq = baseline_per_device + 1
        main_events = [_device_events(f"bench-{n}", per_device, start_seq) for n in range(devices)]
        bodies = [_encode(e, batch) for e in main_events]
        ingest_s = _push_all(bases, tokens, bodies)
        rate = devices * per_device / ingest_s
        with engine.connect() as c:
            stored = c.execute(
                select(func.count()).select_from(events_table).where(events_table.c.device_id.like("bench-%"))
            ).scalar_one()
        expected = devices * (per_device + baseline_per_device)
        if stored != expected:
            raise SystemExit(f"central holds {stored} bench events, expected {expected}")

        token = enrol_device(engine, "catchup-1")
        with (
            tempfile.TemporaryDirectory() as data_dir,
            Store.open(Path(data_dir), "catchup-1") as store,
            CentralClient(bases[0], token, timeout_s=60) as client,
        ):
            for event in _device_events("catchup-1", catchup):  # recorded offline, durably, before the clock starts
                store.record(event)
            worker = SyncWorker(store, client, push_batch=batch, pull_page=2000)
            t0 = time.perf_counter()
            status = worker.sync_once()
            catchup_s = time.perf_counter() - t0
            pulled_rows = store.stats().customers + store.stats().cards
            if status.state != "idle" or store.pending_count() or store.seq_through != catchup:
                raise SystemExit(f"catch-up did not finish: {status}")
    finally:
        for proc, _ in instances:
            proc.terminate()
            proc.wait(timeout=10)
        engine.dispose()
        if schema and admin is not None:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    rows = [
        ("backend", backend, ""),
        ("devices x instances", f"{devices} x 2", ""),
        ("baseline: 1 event per request", f"{baseline_rate:,.0f} events/s", f"{devices * baseline_per_device} events"),
        (f"batched: {batch} events per request", f"{rate:,.0f} events/s", f"{devices * per_device} events"),
        ("speed-up over baseline", f"{rate / baseline_rate:.1f} x", ""),
        (
            f"catch-up of {catchup} offline events",
            f"{catchup_s:.2f} s",
            f"real device store; pulled {pulled_rows} customer/card rows too",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>18}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>18}  {note}")
    print(
        "RESULT "
        + json.dumps(
            {
                "ingest_events_per_s": round(rate),
                "catchup_10k_s": round(catchup_s * 10_000 / catchup, 3),
                "catchup_events": catchup,
                "backend": backend,
                "baseline_events_per_s": round(baseline_rate),
                "ratio": round(rate / baseline_rate, 2),
                "devices": devices,
                "instances": 2,
                "batch": batch,
                "quick": args.quick,
            }
        )
    )


if __name__ == "__main__":
    main()
