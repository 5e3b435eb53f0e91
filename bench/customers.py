"""Customer service at chain scale: search p95 over 1 000 000 customers, and web orders credited per second.

PostgreSQL at 127.0.0.1:5432 (database `test`, a private schema dropped afterwards). Customers, cards and
search keys are generated and loaded with COPY (`--quick`: 100 000 customers). Search mixes name prefixes,
phone numbers, e-mail prefixes and card numbers through `central.customer_search.search`; its baseline,
measured in the same run, is the plain query over the customers table a page would run without the keys.
Orders go through real HTTP to a central instance (waitress, its own process) with an order-channel key,
each credited once by (channel, order id); then every order is sent again and must change nothing. Their
baseline is a till's push of one earn event per request to the same instance.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
import uuid

import httpx
from sqlalchemy import create_engine, func, or_, select, text

from bench.pg_copy import connect, p95
from bench.sync import _start_instances  # one way to start a central instance for benches
from central.channel_keys import create_key
from central.customer_search import search
from central.db import make_engine, migrate
from central.embedded import enrol_device
from central.schema import cards, customers
from central.transactions import in_transaction
from loyalty.domain.customers import search_keys
from loyalty.domain.events import PointsEarned, to_record

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIRST = (
    "Camille",
    "Léa",
    "Hugo",
    "Zélie",
    "Louis",
    "Chloé",
    "Jules",
    "Inès",
    "Gabriel",
    "Manon",
    "Arthur",
    "Lina",
    "Noah",
    "Jade",
    "Adam",
    "Emma",
    "Lucas",
    "Rose",
    "Nathan",
    "Alice",
    "Théo",
    "Anna",
    "Tom",
    "Lou",
)
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
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
)


def _person(n: int) -> tuple[str, str, str, str, str, str]:
    """Customer id, first and last name, phone, e-mail and card number of invented customer n."""
    first, last = FIRST[n % len(FIRST)], f"{LAST[(n // len(FIRST)) % len(LAST)]}{'' if n % 7 else 'x' + str(n % 97)}"
    return (f"cust-{n:07d}", first, last, f"06{n:08d}", f"client{n}@example.org", f"29{n:011d}")


def _load(url: str, count: int) -> float:
    """COPY the customers, their cards and their search keys; returns the seconds it took."""
    start = time.perf_counter()
    with connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY customers (customer_id, first_name, last_name, phone, email, points, version, lots, "
            "debits) FROM STDIN"
        ) as copy:
            for n in range(count):
                cid, first, last, phone, email, _ = _person(n)
                copy.write_row((cid, first, last, phone, email, n % 500, 1, "{}", 0))
        with cursor.copy("COPY cards (card_uid, customer_id, blocked, version) FROM STDIN") as copy:
            for n in range(count):
                person = _person(n)
                copy.write_row((person[5], person[0], False, 1))
        with cursor.copy("COPY customer_search_keys (key, customer_id) FROM STDIN") as copy:
            for n in range(count):
                cid, first, last, phone, email, _ = _person(n)
                for key in search_keys(first, last, phone, email):
                    copy.write_row((key, cid))
        cursor.execute("ANALYZE customers; ANALYZE cards; ANALYZE customer_search_keys")
    return time.perf_counter() - start


def _queries(count: int, rng: random.Random, how_many: int) -> list[str]:
    made = []
    for i in range(how_many):
        n = rng.randrange(count)
        cid, first, last, phone, email, card = _person(n)
        made.append((last[: rng.randint(3, 6)], phone, email[: rng.randint(6, 12)], card, f"{first} {last}")[i % 5])
    return made


def _naive(connection, query: str) -> list:
    """What a page would run without the search keys: a scan of customers and cards."""
    q = query.lower()
    pattern = q + "%"
    return connection.execute(
        select(customers.c.customer_id)
        .where(
            or_(
                func.lower(customers.c.last_name).like(pattern),
                func.lower(customers.c.first_name).like(pattern),
                customers.c.phone.like(pattern),
                func.lower(customers.c.email).like(pattern),
                customers.c.customer_id.in_(select(cards.c.customer_id).where(cards.c.card_uid == query)),
            )
        )
        .order_by(customers.c.customer_id)
        .limit(20)
    ).all()


def _timed(work, queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        work(q)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _send_all(base: str, headers: dict, path: str, bodies: list[bytes], threads: int) -> tuple[float, list]:
    """Send every body from `threads` clients; returns (seconds, answers in order)."""
    answers: list = [None] * len(bodies)
    errors: list[str] = []

    def client(k: int) -> None:
        with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
            for i in range(k, len(bodies), threads):
                response = http.post(path, content=bodies[i])
                if response.status_code != 200:
                    errors.append(f"{path}: HTTP {response.status_code} {response.text[:200]}")
                    return
                answers[i] = response.json()

    workers = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise SystemExit(errors[0])
    return time.perf_counter() - start, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 000 customers and fewer orders")
    args = parser.parse_args()
    count = 100_000 if args.quick else 1_000_000
    searches, naive_searches = (400, 20) if args.quick else (1000, 20)
    orders, baseline_pushes, threads = (1000, 300, 4) if args.quick else (3000, 600, 4)
    rng = random.Random(17)

    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    instances = []
    try:
        migrate(engine)
        load_s = _load(url, count)
        queries = _queries(count, rng, searches)
        with engine.connect() as connection:
            for q in queries[:20]:  # warm the caches both ways alike
                search(connection, q)
            found = sum(1 for q in queries if search(connection, q))
            search_ms = _timed(lambda q: search(connection, q), queries)
            naive_ms = _timed(lambda q: _naive(connection, q), queries[:naive_searches])
        if found < len(queries) * 0.99:
            raise SystemExit(f"only {found} of {len(queries)} searches found their customer")

        _, key = in_transaction(engine, lambda c: create_key(c, "web", "bench", ["earn"], "bench", 100_000))
        instances = _start_instances(url, 1)
        base = instances[0][1]
        order_bodies = [
            json.dumps(
                {
                    "order_id": f"WEB-{i:07d}",
                    "card_number": _person(rng.randrange(count))[5],
                    "amount_cents": rng.randrange(500, 20_000),
                }
            ).encode()
            for i in range(orders)
        ]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        earn_s, answers = _send_all(base, headers, "/api/orders/earn", order_bodies, threads)
        replay_s, replays = _send_all(base, headers, "/api/orders/earn", order_bodies, threads)
        if replays != answers:
            raise SystemExit("an order sent again got another answer")
        with engine.connect() as connection:
            credited = connection.execute(
                text("SELECT count(*), coalesce(sum(points), 0) FROM earns WHERE receipt_ref LIKE 'web:%'")
            ).one()
        if credited[0] != orders or credited[1] != sum(a["points"] for a in answers):
            raise SystemExit(f"central credited {credited}, expected {orders} orders once each")

        token = enrol_device(engine, "bench-till")
        pushes = [
            json.dumps(
                {
                    "events": [
                        to_record(
                            PointsEarned(
                                device_id="bench-till",
                                seq=i + 1,
                                customer_id=_person(rng.randrange(count))[0],
                                receipt_ref=f"T{i}",
                                amount_cents=2350,
                                points=23,
                            )
                        )
                    ]
                }
            ).encode()
            for i in range(baseline_pushes)
        ]
        push_s, _ = _send_all(
            base,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "/api/sync/push",
            pushes,
            threads,
        )
    finally:
        for proc, _ in instances:
            proc.terminate()
            proc.wait(timeout=10)
        engine.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    search_p95, naive_p95 = p95(search_ms), p95(naive_ms)
    earn_rate, replay_rate, push_rate = orders / earn_s, orders / replay_s, baseline_pushes / push_s
    rows = [
        ("customers (COPY)", f"{count:,}", f"loaded in {load_s:.1f} s with cards and search keys"),
        (
            "search p95, search keys",
            f"{search_p95:.2f} ms",
            f"{len(search_ms)} mixed searches; median {statistics.median(search_ms):.2f} ms",
        ),
        ("baseline: search p95, scan of customers", f"{naive_p95:.1f} ms", f"{len(naive_ms)} searches"),
        ("web orders credited, real HTTP", f"{earn_rate:,.0f} /s", f"{orders} orders, {threads} clients"),
        ("the same orders sent again (no credit)", f"{replay_rate:,.0f} /s", "same answers, credited once"),
        ("baseline: till push of 1 earn per request", f"{push_rate:,.0f} /s", f"{baseline_pushes} pushes"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>14}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")
    print(
        "RESULT "
        + json.dumps(
            {
                "search_p95_ms": round(search_p95, 2),
                "baseline_search_p95_ms": round(naive_p95, 1),
                "search_ratio": round(naive_p95 / search_p95, 1),
                "order_earn_per_s": round(earn_rate),
                "order_replay_per_s": round(replay_rate),
                "baseline_push_per_s": round(push_rate),
                "order_ratio": round(earn_rate / push_rate, 2),
                "customers": count,
                "quick": args.quick,
                "backend": "postgresql",
            }
        )
    )


if __name__ == "__main__":
    main()
