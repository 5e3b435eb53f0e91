"""Benchmark of the local store: durable earn, card lookup, prefix search, startup and memory.

Measured in the same run and temp directory (same disk) against three baselines: SQLite in WAL mode with
synchronous=FULL doing the same logical write (insert the event, update the balance, one transaction) and
the bare fsync floor (append a line and fsync it), both taking turns write by write with our earn so all
three see the same disk noise; and naive TinyDB (default JSONStorage, `db.update`), fewer times.

    python -m bench.store [--quick] [--customers N] [--pending N]

Prints a table, then as last line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from loyalty.domain import operations
from loyalty.domain.earning import EarningScale
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

FIRST = [
    "Hélène",
    "Marc",
    "Anne-Marie",
    "Zoé",
    "Jean",
    "Chloé",
    "Lucas",
    "Inès",
    "Hugo",
    "Léa",
    "Louis",
    "Emma",
    "Gabriel",
    "Jade",
    "Arthur",
    "Louise",
    "Raphaël",
    "Alice",
    "Jules",
    "Lina",
    "Adam",
    "Rose",
    "Nathan",
    "Manon",
    "Paul",
    "Camille",
    "Théo",
    "Sarah",
    "Noé",
    "Julie",
    "Éric",
    "Agnès",
    "François",
    "Maëlle",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèbvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
]
DEVICE = "bench-till"


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def timed(action: Callable[[int], object], count: int) -> list[float]:
    """Milliseconds per call of `action(i)` for i in range(count)."""
    samples = []
    for i in range(count):
        started = time.perf_counter()
        action(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


#: A regular's points by earning day over the two years central keeps: up to 40 shopping days each.
MAX_LOTS = 40
FIRST_LOT_DAY = date(2025, 1, 1)


def make_customers(count: int, rng: random.Random) -> tuple[list[CustomerState], list[CardState]]:
    customers, cards = [], []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        cid = f"cust-{n:07d}"
        days = sorted(rng.sample(range(730), rng.randint(0, MAX_LOTS)))
        lots = tuple(((FIRST_LOT_DAY + timedelta(days=d)).isoformat(), rng.randint(1, 200)) for d in days)
        earned = sum(points for _, points in lots)
        debits = rng.randint(0, earned)
        customers.append(
            CustomerState(
                cid,
                earned - debits,
                first,
                last,
                f"06{rng.randrange(10**8):08d}",
                f"{cid}@example.fr",
                True,
                "v1",
                lots=lots,
                debits=debits,
            )
        )
        cards.append(CardState(f"04{n:012X}", cid))
    return customers, cards


def build_store(
    data_dir: Path, customers: list[CustomerState], cards: list[CardState], pending: int, rng: random.Random
) -> None:
    from device.store import Store

    scale = EarningScale()
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(PulledBatch(cursor=1, customers=tuple(customers), cards=tuple(cards)))
        for n in range(pending):
            cid = customers[rng.randrange(len(customers))].customer_id
            event, _ = operations.earn(
                store,
                scale,
                device_id=DEVICE,
                customer_id=cid,
                receipt_ref=f"P-{n}",
                lines={"general": rng.randint(100, 20_000)},
            )
            store.record(event)


def open_only(data_dir: Path) -> None:
    """Run in a fresh process: time Store.open and report the peak RSS after it."""
    started = time.perf_counter()
    from device.store import Store

    store = Store.open(data_dir, DEVICE)
    elapsed = time.perf_counter() - started
    rss_mb = peak_rss_mb()
    print(
        json.dumps(
            {
                "startup_s": elapsed,
                "rss_mb": rss_mb,
                "customers": store.stats().customers,
                "pending": store.pending_count(),
            }
        )
    )
    store.close()


def peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would include the parent's size before exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sqlite_writer(path: Path, customers: list[CustomerState], rng: random.Random):
    """SQLite (WAL, synchronous=FULL) doing the same logical write: insert the event, update the balance."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE customers (id TEXT PRIMARY KEY, points INTEGER NOT NULL)")
    db.execute("CREATE TABLE events (id TEXT PRIMARY KEY, seq INTEGER, customer_id TEXT, body TEXT)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO customers VALUES (?, ?)", ((c.customer_id, c.points) for c in customers))
    db.execute("COMMIT")

    def write(i: int) -> None:
        cid = customers[rng.randrange(len(customers))].customer_id
        body = json.dumps({"customer_id": cid, "receipt_ref": f"S-{i}", "points": 7, "amount_cents": 745})
        db.execute("BEGIN")
        db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (str(uuid.uuid4()), i, cid, body))
        db.execute("UPDATE customers SET points = points + 7 WHERE id = ?", (cid,))
        db.execute("COMMIT")

    return write, db.close


def fsync_writer(path: Path):
    """The floor: append one line and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    line = b"x" * 300 + b"\n"

    def write(_: int) -> None:
        os.write(fd, line)
        os.fsync(fd)

    return write, lambda: os.close(fd)


def interleaved(actions: list[Callable[[int], object]], count: int) -> list[list[float]]:
    """Milliseconds per call of each action, taking turns, so every method sees the same disk noise."""
    samples: list[list[float]] = [[] for _ in actions]
    for i in range(count):
        for action, out in zip(actions, samples, strict=True):
            started = time.perf_counter()
            action(i)
            out.append((time.perf_counter() - started) * 1000)
    return samples


def bench_naive_tinydb(path: Path, customers: list[CustomerState], count: int, rng: random.Random) -> list[float]:
    from tinydb import Query, TinyDB

    db = TinyDB(path)
    db.insert_multiple(
        {
            "customer_id": c.customer_id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "phone": c.phone,
            "email": c.email,
            "points": c.points,
        }
        for c in customers
    )
    who = Query()

    def update(_: int) -> None:
        cid = customers[rng.randrange(len(customers))].customer_id
        db.update({"points": 1}, who.customer_id == cid)

    samples = timed(update, count)
    db.close()
    return samples


def run(customers_n: int, pending_n: int, iterations: int, naive_iterations: int, tmp: Path) -> dict:
    from device.store import Store

    rng = random.Random(7)
    customers, cards = make_customers(customers_n, rng)
    data_dir = tmp / "store"
    started = time.perf_counter()
    build_store(data_dir, customers, cards, pending_n, rng)
    build_s = time.perf_counter() - started

    probe = subprocess.run(
        [sys.executable, "-m", "bench.store", "--open-only", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    opened = json.loads(probe.stdout.strip().splitlines()[-1])

    scale = EarningScale()
    with Store.open(data_dir, DEVICE) as store:

        def earn(i: int) -> None:
            cid = customers[rng.randrange(len(customers))].customer_id
            event, _ = operations.earn(
                store, scale, device_id=DEVICE, customer_id=cid, receipt_ref=f"B-{i}", lines={"general": 745}
            )
            store.record(event)

        sqlite_write, sqlite_close = sqlite_writer(tmp / "bench.sqlite", customers, rng)
        fsync_write, fsync_close = fsync_writer(tmp / "floor.log")
        earn_ms, sqlite_ms, fsync_ms = interleaved([earn, sqlite_write, fsync_write], iterations)
        sqlite_close()
        fsync_close()
        uids = [c.card_uid for c in cards]
        lookup_ms = timed(lambda i: store.customer_by_card(uids[rng.randrange(len(uids))]), 5000)
        queries = []
        for _ in range(2000):
            c = customers[rng.randrange(len(customers))]
            kind = rng.randrange(4)
            text = (
                c.first_name[: rng.randint(2, 4)]
                if kind == 0
                else c.last_name[: rng.randint(2, 5)]
                if kind == 1
                else c.phone[: rng.randint(4, 8)]
                if kind == 2
                else c.email[: rng.randint(6, 12)]
            )
            queries.append(text)
        search_ms = timed(lambda i: store.search(queries[i]), len(queries))
        stats = store.stats()

    naive_ms = bench_naive_tinydb(tmp / "naive.json", customers, naive_iterations, rng)

    result = {
        "customers": customers_n,
        "pending": pending_n,
        "iterations": iterations,
        "earn_p50_ms": round(percentile(earn_ms, 50), 3),
        "earn_p99_ms": round(percentile(earn_ms, 99), 3),
        "sqlite_earn_p50_ms": round(percentile(sqlite_ms, 50), 3),
        "sqlite_earn_p99_ms": round(percentile(sqlite_ms, 99), 3),
        "fsync_floor_ms": round(percentile(fsync_ms, 50), 3),
        "fsync_floor_p99_ms": round(percentile(fsync_ms, 99), 3),
        "naive_tinydb_update_ms": round(percentile(naive_ms, 50), 1),
        "lookup_p95_ms": round(percentile(lookup_ms, 95), 4),
        "search_p95_ms": round(percentile(search_ms, 95), 3),
        "startup_s": round(opened["startup_s"], 3),
        "rss_mb": round(opened["rss_mb"], 1),
        "build_s": round(build_s, 1),
        "pending_after": stats.pending,
    }
    result["earn_vs_sqlite_p99"] = round(result["earn_p99_ms"] / max(result["sqlite_earn_p99_ms"], 1e-9), 2)
    return result


def print_table(r: dict) -> None:
    rows = [
        (
            "durable earn (earn + record)",
            f"p50 {r['earn_p50_ms']:.3f} ms",
            f"p99 {r['earn_p99_ms']:.3f} ms",
            "p99 < 10 ms, <= 2x SQLite",
        ),
        (
            "SQLite WAL synchronous=FULL",
            f"p50 {r['sqlite_earn_p50_ms']:.3f} ms",
            f"p99 {r['sqlite_earn_p99_ms']:.3f} ms",
            "baseline",
        ),
        ("bare append + fsync", f"p50 {r['fsync_floor_ms']:.3f} ms", f"p99 {r['fsync_floor_p99_ms']:.3f} ms", "floor"),
        ("naive TinyDB db.update", f"p50 {r['naive_tinydb_update_ms']:.1f} ms", "", "baseline (not durable)"),
        ("customer_by_card", f"p95 {r['lookup_p95_ms']:.4f} ms", "", "< 1 ms"),
        ("prefix search", f"p95 {r['search_p95_ms']:.3f} ms", "", "< 20 ms"),
        ("Store.open (fresh process)", f"{r['startup_s']:.3f} s", "", "< 2 s"),
        ("peak RSS after open", f"{r['rss_mb']:.1f} MB", "", "< 150 MB"),
        ("earn p99 / SQLite p99", f"{r['earn_vs_sqlite_p99']:.2f}x", "", "<= 2x"),
    ]
    print(
        f"store benchmark: {r['customers']} customers, {r['pending']} pending events, "
        f"{r['iterations']} writes per method"
    )
    print(f"{'measure':34} {'value':>18} {'':>16}  target")
    for name, a, b, target in rows:
        print(f"{name:34} {a:>18} {b:>16}  {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 000 customers, 2 000 pending events")
    parser.add_argument("--customers", type=int, help="number of customers (overrides the default)")
    parser.add_argument("--pending", type=int, help="number of pending events (overrides the default)")
    parser.add_argument("--iterations", type=int, help="durable writes measured per method")
    parser.add_argument("--open-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.open_only:
        open_only(Path(args.open_only))
        return 0
    customers = args.customers or (20_000 if args.quick else 100_000)
    pending = args.pending if args.pending is not None else (2_000 if args.quick else 10_000)
    iterations = args.iterations or (500 if args.quick else 2_000)
    naive_iterations = 3 if args.quick or customers < 1000 else 5
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=os.environ.get("BENCH_TMP")) as tmp:
        result = run(customers, pending, iterations, naive_iterations, Path(tmp))
    print_table(result)
    print("RESULT " + json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
