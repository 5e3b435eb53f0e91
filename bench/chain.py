"""A chain's customer file at central, each device holding its store's share: pull, look-up and personal data.

PostgreSQL at 127.0.0.1:5432 (database `test`, a private schema dropped afterwards). 1 000 000 customers across
200 stores (`--quick`: 100 000 across 20) are loaded with COPY, each with a card from one card batch, lots and
store activity (a home store, and one in twenty also shopping at another store). Then, in the same run:

- the full pull of a new device of one store (its scope, least data) against today's full pull (every customer
  of the chain with contact details, as the pull was before store scopes): seconds, bytes, rows, both
  in-process with the same JSON encoding;
- `first_sync_s`: a new device of the store, its real sync worker (`device.sync.worker.SyncWorker`) and device
  store (`device.store.Store`), from nothing to ready against a central instance on loopback (its own process);
  the baseline is today's full pull in-process plus applying its pages to a device store (no HTTP: today's
  pull is no longer served), so it is the lower bound of what a new device took;
- the device store with its scope: start-up and peak RSS in a fresh process (`bench.store --open-only`),
  local card look-up p95, personal bytes per customer it holds, and whether its files hold any phone, e-mail
  or surname (grepped); start-up, RSS and look-up for the same device store holding today's full pull when the
  chain is small enough to build one (`--quick`); today's device kept every field it pulled, so its personal
  bytes per customer are those of today's pull;
- `remote_lookup_p95_ms`: a card of another store tapped at the device's till (`device.till.Till.card_presented`
  with the device's central client): looked up at central through HTTP on loopback, held, shown with its
  balance; against a bare `GET /api/health` on the same instance;
- personal data on the wire per customer (name, surname or initial, phone, e-mail bytes), before and after;
- the issued-cards filter: build time, size and measured false-positive rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Connection, create_engine, select, text

from bench.pg_copy import connect, p95
from bench.sync import _start_instances  # one way to start a central instance for benches
from central import card_filter
from central.db import make_engine, migrate
from central.embedded import enrol_device
from central.pull import pull_page
from central.schema import cards, customers
from central.transactions import in_transaction
from loyalty.domain.lots import lots_from_json
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.wire import batch_to_record

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIRST = ("Camille", "Léa", "Hugo", "Zélie", "Louis", "Chloé", "Jules", "Inès", "Gabriel", "Manon", "Arthur", "Lina")
LAST = (
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
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
)
PAGE = 5000
STORE = 7  # the store whose new device is measured
DEVICE = "bench-till"  # bench.store --open-only opens the store under this id
#: Above this many customers the bench builds no device store of the whole chain (about 1.4 KB of RAM each).
DEVICE_BASELINE_MAX = 200_000


def _person(n: int) -> tuple[str, str, str, str, str, str]:
    """Customer id, first name, surname, phone, e-mail and card number of invented customer n."""
    return (
        f"cust-{n:07d}",
        FIRST[n % len(FIRST)],
        f"{LAST[(n // len(FIRST)) % len(LAST)]}-{n % 997}",
        f"07{n:08d}",
        f"client{n}@example.org",
        f"29{n:011d}",
    )


def _store(n: int) -> str:
    return f"s{n:03d}"


def _load(url: str, count: int, stores: int) -> tuple[float, int]:
    """COPY customers, cards, one card batch and store scopes; returns (seconds, last version)."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    start = time.perf_counter()
    version = 0
    with connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY customers (customer_id, first_name, last_name, phone, email, consent_granted, "
            "consent_version, points, version, lots, debits) FROM STDIN"
        ) as copy:
            for n in range(count):
                cid, first, last, phone, email, _ = _person(n)
                lots = json.dumps({"2026-09-14": n % 300, "2026-11-02": n % 200 + 10})
                copy.write_row((cid, first, last, phone, email, True, "v1", n % 500, version + n + 1, lots, 0))
        version += count
        with cursor.copy("COPY cards (card_uid, customer_id, blocked, version) FROM STDIN") as copy:
            for n in range(count):
                person = _person(n)
                copy.write_row((person[5], person[0], False, version + n + 1))
        version += count
        cursor.execute(
            "INSERT INTO card_batches (batch_id, channel, size, created_at) VALUES ('bench', 'company', %s, %s)",
            (count, now),
        )
        with cursor.copy("COPY batch_cards (card_uid, batch_id, activation_code) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((_person(n)[5], "bench", "ABCDEFGH"))
        with cursor.copy(
            "COPY customer_scope (store_key, customer_id, reason, last_seen, removed, version) FROM STDIN"
        ) as copy:
            for n in range(count):
                cid = _person(n)[0]
                version += 1
                copy.write_row((_store(n % stores), cid, "activity", now, False, version))
                if n % 20 == 0 and (other := (n // 20) % stores) != n % stores:  # one in twenty shops elsewhere too
                    version += 1
                    copy.write_row((_store(other), cid, "activity", now, False, version))
        cursor.execute("UPDATE change_counter SET value = %s WHERE id = 1", (version,))
        cursor.execute("ANALYZE customers; ANALYZE cards; ANALYZE customer_scope; ANALYZE batch_cards")
    return time.perf_counter() - start, version


def _pull_before(connection: Connection, cursor: int, limit: int) -> PulledBatch:
    """Today's pull as it was before store scopes (its customer and card part): every customer of the chain
    with surname, phone and e-mail. The baseline."""
    rows = []
    for kind, table in (("customer", customers), ("card", cards)):
        rows += [
            (r.version, kind, r)
            for r in connection.execute(
                select(table).where(table.c.version > cursor).order_by(table.c.version).limit(limit)
            )
        ]
    merged = sorted(rows, key=lambda item: item[0])[:limit]
    people, card_states = [], []
    for _, kind, row in merged:
        if kind == "card":
            card_states.append(CardState(row.card_uid, row.customer_id, bool(row.blocked)))
        else:
            people.append(
                CustomerState(
                    customer_id=row.customer_id,
                    points=row.points,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    phone=row.phone,
                    email=row.email,
                    consent_granted=row.consent_granted,
                    consent_version=row.consent_version,
                    lots=tuple(lots_from_json(row.lots).items()),
                    debits=row.debits,
                )
            )
    return PulledBatch(
        cursor=merged[-1][0] if merged else cursor,
        customers=tuple(people),
        cards=tuple(card_states),
        device_seq_through=0 if len(merged) < limit else None,
    )


_PERSONAL = ("first_name", "last_name", "phone", "email", "last_initial")


class PullFigures:
    """A whole pull page by page: seconds, bytes on the wire, rows, personal bytes, and the pages themselves."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.bytes = 0
        self.customers = 0
        self.cards = 0
        self.personal_bytes = 0
        self.hash_bytes = 0
        self.pages: list[PulledBatch] = []

    def run(self, fetch, keep: bool) -> PullFigures:
        cursor = 0
        while True:
            started = time.perf_counter()
            batch = fetch(cursor)
            body = json.dumps(batch_to_record(batch), separators=(",", ":")).encode()
            self.seconds += time.perf_counter() - started
            self.bytes += len(body)
            self.customers += len(batch.customers)
            self.cards += len(batch.cards)
            for c in batch.customers:
                self.personal_bytes += sum(len((getattr(c, name) or "").encode()) for name in _PERSONAL)
                self.hash_bytes += sum(len(h) for h in c.contact_hashes)
            if keep:
                self.pages.append(batch)
            if batch.device_seq_through is not None:
                return self
            cursor = batch.cursor


def _timed_gets(http: httpx.Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        response = http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.text[:200]}")
    return times


def _first_sync(base: str, token: str, data_dir: Path) -> tuple[float, int]:
    """A new device of the store, real sync worker and store, from nothing to ready; (seconds, customers)."""
    from device.store import Store
    from device.sync.client import CentralClient
    from device.sync.worker import SyncWorker

    started = time.perf_counter()
    with CentralClient(base, token, 120) as client, Store.open(data_dir, DEVICE) as store:
        status = SyncWorker(store, client, pull_page=PAGE).sync_once()
        if status.state != "idle":
            raise SystemExit(f"first sync: {status.state} {status.last_error}")
        return time.perf_counter() - started, store.stats().customers


def _remote_taps(base: str, token: str, data_dir: Path, uids: list[str]) -> list[float]:
    """Cards of other stores tapped at the device's till: central look-up, held, balance shown; ms each."""
    from device.bus import EventBus
    from device.config import parse_config
    from device.store import Store
    from device.sync.client import CentralClient
    from device.till import Till

    config = parse_config(
        {
            "device": {"id": DEVICE, "role": "till", "name": "bench"},
            "paths": {"data_dir": str(data_dir.parent / "till")},
            "hardware": {"mode": "emulated"},
        }
    )
    times = []
    with CentralClient(base, token, 30) as client, Store.open(data_dir, DEVICE) as store:
        till = Till(config, store, EventBus(), sync_state=lambda: {"state": "idle"}, customers=client)
        try:
            for uid in uids:
                started = time.perf_counter()
                shown = till.card_presented(uid)
                times.append((time.perf_counter() - started) * 1000)
                if "customer" not in shown or shown["customer"].get("balance_later"):
                    raise SystemExit(f"card {uid} was not found at central: {shown}")
        finally:
            till.close()
    return times


def _device_figures(
    data_dir: Path, pages: list[PulledBatch] | None, held: list[str], secrets: list[bytes], ids: list[str]
) -> dict:
    """Start-up and RSS of the device store in a fresh process, local look-up p95, personal data it holds (bytes
    per customer of `ids`, and values found in its files)."""
    from device.store import Store

    apply_s = 0.0
    if pages is not None:  # build it from pages pulled in-process
        started = time.perf_counter()
        with Store.open(data_dir, DEVICE) as store:
            for page in pages:
                store.apply_batch(page)
        apply_s = time.perf_counter() - started
    probe = subprocess.run(
        [sys.executable, "-m", "bench.store", "--open-only", str(data_dir)], check=True, capture_output=True, text=True
    )
    opened = json.loads(probe.stdout.strip().splitlines()[-1])
    with Store.open(data_dir, DEVICE) as store:
        times = []
        for uid in held:
            started = time.perf_counter()
            found = store.customer_by_card(uid)
            times.append((time.perf_counter() - started) * 1000)
            if found is None:
                raise SystemExit(f"the device store does not hold card {uid}")
        personal = 0
        for cid in ids:
            view = store.customer(cid)
            personal += (
                sum(
                    len((value or "").encode())
                    for value in (view.first_name, view.last_name, view.phone, view.email, view.last_initial)
                )
                if view
                else 0
            )
    hits = 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            hits += sum(content.count(secret) for secret in secrets)
    return {
        "startup_s": opened["startup_s"],
        "rss_mb": opened["rss_mb"],
        "customers": opened["customers"],
        "local_lookup_p95_ms": p95(times),
        "pii_hits_in_files": hits,
        "apply_s": apply_s,
        "pii_bytes_per_customer": personal / max(1, len(ids)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 000 customers across 20 stores")
    args = parser.parse_args()
    count, stores = (100_000, 20) if args.quick else (1_000_000, 200)
    lookups = 200
    rng = random.Random(16)

    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    instances = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-chain-"))
    try:
        migrate(engine)
        load_s, _ = _load(url, count, stores)
        started = time.perf_counter()
        made = in_transaction(engine, card_filter.publish)
        filter_s = time.perf_counter() - started
        foreign = [f"{rng.randrange(10**13, 10**14)}" for _ in range(100_000)]
        filter_fp = sum(uid in made for uid in foreign) / len(foreign)
        filter_misses = sum(_person(n)[5] not in made for n in range(0, count, max(1, count // 10_000)))

        store_id = _store(STORE)
        enrol_device(engine, "bench-chain")  # a device given every customer: the shape of today's pull
        enrol_device(engine, "bench-scope", store_id=store_id)
        with engine.connect() as warm:
            _pull_before(warm, 0, PAGE)
        before = PullFigures().run(
            lambda cur: in_transaction(engine, lambda c: _pull_before(c, cur, PAGE)), keep=count <= DEVICE_BASELINE_MAX
        )

        def scoped(cur: int) -> PulledBatch:
            return in_transaction(engine, lambda c: pull_page(c, "bench-scope", cur, PAGE, by_store=True))

        after = PullFigures().run(scoped, keep=True)

        os.environ["CENTRAL_DEVICE_SCOPE"] = "store"  # the instance serves each store its scope
        instances = _start_instances(url, 1)
        base = instances[0][1]
        token = enrol_device(engine, "bench-new", store_id=store_id)
        first_sync_s, synced = _first_sync(base, token, tmp / "first-sync")

        others = [
            n
            for n in rng.sample(range(count), lookups * 3)
            if n % stores != STORE and (n % 20 or (n // 20) % stores != STORE)
        ][:lookups]
        secrets = [s.encode() for n in rng.sample(range(count), 50) for s in _person(n)[2:5]]
        held = [_person(n)[5] for n in rng.sample(range(STORE, count, stores), min(2000, count // stores))]
        ids = [c.customer_id for page in after.pages for c in page.customers]
        scoped_device = _device_figures(tmp / "first-sync", None, held, secrets, ids)
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
            _timed_gets(http, ["/api/health"] * 20)  # warm
            health_ms = _timed_gets(http, ["/api/health"] * (len(others) - 5))
        taps = _remote_taps(base, token, tmp / "first-sync", [_person(n)[5] for n in others])
        lookup_ms = taps[5:]  # the first few warm the connection and the instance
        full_ids = [c.customer_id for page in before.pages for c in page.customers]
        full_device = _device_figures(tmp / "full", before.pages, held, secrets, full_ids) if before.pages else None
    finally:
        for proc, _ in instances:
            proc.terminate()
            proc.wait(timeout=10)
        engine.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)

    remote_p95, health_p95 = p95(lookup_ms), p95(health_ms)
    pii_before, pii_after = before.personal_bytes / before.customers, after.personal_bytes / after.customers
    rows = [
        ("customers / stores (COPY)", f"{count:,} / {stores}", f"loaded in {load_s:.1f} s with cards, lots, scopes"),
        (
            "scoped full pull, one store",
            f"{after.seconds:.2f} s",
            f"{after.customers:,} customers, {after.bytes / 1e6:.1f} MB",
        ),
        (
            "baseline: today's full pull",
            f"{before.seconds:.2f} s",
            f"{before.customers:,} customers, {before.bytes / 1e6:.1f} MB",
        ),
        ("first sync, HTTP + device store", f"{first_sync_s:.2f} s", f"{synced:,} customers held"),
        ("remote card look-up p95, HTTP", f"{remote_p95:.1f} ms", f"{len(lookup_ms)} cards of other stores"),
        ("baseline: GET /api/health p95", f"{health_p95:.1f} ms", "same instance, loopback"),
        (
            "personal bytes per customer",
            f"{pii_after:.1f} B",
            f"before: {pii_before:.1f} B (name, surname, phone, e-mail)",
        ),
        ("contact hashes per customer", f"{after.hash_bytes / after.customers:.1f} B", "keyed, 32 hex each"),
        ("device start-up, scope", f"{scoped_device['startup_s']:.3f} s", f"RSS {scoped_device['rss_mb']:.1f} MB"),
        (
            "device local look-up p95, scope",
            f"{scoped_device['local_lookup_p95_ms']:.3f} ms",
            f"personal values found in its files: {scoped_device['pii_hits_in_files']}",
        ),
        (
            "device personal bytes per customer",
            f"{scoped_device['pii_bytes_per_customer']:.1f} B",
            "first name and initial held by the device store",
        ),
        (
            "issued-cards filter",
            f"{len(made.bits) / 1e6:.2f} MB",
            f"built in {filter_s:.1f} s; false positives "
            f"{filter_fp:.4f} (stated {made.fp_rate}), "
            f"misses {filter_misses}",
        ),
    ]
    if full_device:
        rows.append(
            (
                "baseline: device start-up, full",
                f"{full_device['startup_s']:.3f} s",
                f"RSS {full_device['rss_mb']:.1f} MB: the whole chain's pull in this device store",
            )
        )
        rows.append(
            (
                "baseline: first sync, in-process",
                f"{before.seconds + full_device['apply_s']:.2f} s",
                f"{before.customers:,} customers pulled and applied, no HTTP",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>16}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")
    print(
        "RESULT "
        + json.dumps(
            {
                "scoped_pull_s": round(after.seconds, 2),
                "baseline_full_pull_s": round(before.seconds, 2),
                "pull_time_ratio": round(before.seconds / after.seconds, 1),
                "scoped_pull_bytes": after.bytes,
                "baseline_full_pull_bytes": before.bytes,
                "pull_bytes_ratio": round(before.bytes / after.bytes, 1),
                "scoped_customers": after.customers,
                "baseline_customers": before.customers,
                "first_sync_s": round(first_sync_s, 2),
                "remote_lookup_p95_ms": round(remote_p95, 1),
                "baseline_health_p95_ms": round(health_p95, 1),
                "pii_bytes_per_customer": round(scoped_device["pii_bytes_per_customer"], 1),
                "baseline_pii_bytes_per_customer": round(pii_before, 1),  # today's store kept every field it pulled
                "wire_pii_bytes_per_customer": round(pii_after, 1),
                "baseline_wire_pii_bytes_per_customer": round(pii_before, 1),
                "contact_hash_bytes_per_customer": round(after.hash_bytes / after.customers, 1),
                "device_startup_s": round(scoped_device["startup_s"], 3),
                "device_rss_mb": round(scoped_device["rss_mb"], 1),
                "local_lookup_p95_ms": round(scoped_device["local_lookup_p95_ms"], 4),
                "device_pii_hits_in_files": scoped_device["pii_hits_in_files"],
                "baseline_first_sync_s": round(before.seconds + full_device["apply_s"], 2) if full_device else None,
                "baseline_device_startup_s": round(full_device["startup_s"], 3) if full_device else None,
                "baseline_device_rss_mb": round(full_device["rss_mb"], 1) if full_device else None,
                "baseline_local_lookup_p95_ms": round(full_device["local_lookup_p95_ms"], 4) if full_device else None,
                "card_filter_bytes": len(made.bits),
                "card_filter_fp_rate": round(filter_fp, 5),
                "card_filter_stated_fp_rate": made.fp_rate,
                "card_filter_build_s": round(filter_s, 2),
                "customers": count,
                "stores": stores,
                "quick": args.quick,
                "backend": "postgresql",
            }
        )
    )


if __name__ == "__main__":
    main()
