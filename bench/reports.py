"""Back-office report time: summing the totals kept at each push, against folding the whole ledger.

Run: python -m bench.reports [--quick] [--events N]. Central (SQLite) is filled with invented trade from
several tills over several weeks, pushed through the real ingest; then the reports page's figures are
asked for the whole history, for one week, and for one store's day (the device page and the till's daily
summary). The baseline is the full fold every report made before (`compute_report` over `load_events`),
measured in the same run on the same data, and checked to give the same figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from central.backoffice import reports
from central.db import make_engine, migrate
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.earning import EarningScale
from loyalty.domain.events import CustomerRegistered, Event
from loyalty.domain.ledger import Ledger
from loyalty.domain.operations import earn, redeem, reverse
from loyalty.domain.rewards import Reward
from loyalty.errors import KioskError

FIRST_DAY = date(2026, 9, 1)
MUG = Reward(reward_id="mug", kind="in_house", name="Mug", points_price=50, stock=None)


def invented_trade(count: int, devices: int, days: int, seed: int = 1) -> list[Event]:
    """About `count` events in the order they happened: registrations, earns, refunds and redemptions."""
    rng = random.Random(seed)
    scale = EarningScale(base_points=1, per_cents=100, category_multipliers_pct={"bakery": 200})
    ledger, made, customers, receipts = Ledger(), [], [], []
    seqs: dict[str, int] = {}
    per_day = max(1, count // days)
    for n in range(count):
        day = FIRST_DAY + timedelta(days=min(days - 1, n // per_day))
        second = (n % per_day) * 36_000 // per_day
        at = f"{day.isoformat()}T{8 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+01:00"
        device = f"till-{rng.randrange(devices):02d}"
        cashier = f"{device}-c{rng.randrange(3)}"
        seqs[device] = seqs.get(device, 0) + 1
        roll = rng.random()
        try:
            if not customers or roll < 0.08:
                customer = f"cust-{len(customers):06d}"
                customers.append(customer)
                event: Event = CustomerRegistered(
                    device_id=device, cashier_id=cashier, at=at, customer_id=customer, first_name="Invented"
                )
            elif roll < 0.85:
                ref = f"R{n:08d}"
                event, _ = earn(
                    ledger,
                    scale,
                    device_id=device,
                    customer_id=rng.choice(customers),
                    receipt_ref=ref,
                    cashier_id=cashier,
                    lines={"general": rng.randrange(100, 9000)},
                    at=at,
                )
                receipts.append(ref)
            elif roll < 0.9 and receipts:
                event = reverse(
                    ledger,
                    device_id=device,
                    receipt_ref=rng.choice(receipts[-500:]),
                    refund_cents=rng.randrange(1, 500),
                    cashier_id=cashier,
                )
            else:
                event = redeem(ledger, MUG, device_id=device, customer_id=rng.choice(customers), cashier_id=cashier)
        except KioskError:  # not enough points, nothing left to refund: the till refuses, nothing is made
            seqs[device] -= 1
            continue
        event = replace(event, at=at, seq=seqs[device])
        ledger.apply(event)
        made.append(event)
    return made


def _timed(work, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 000 events instead of 200 000")
    parser.add_argument("--events", type=int, help="how many events to invent")
    args = parser.parse_args(argv)
    count = args.events or (20_000 if args.quick else 200_000)
    made = invented_trade(count, devices=12, days=60)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'central.db'}")
        migrate(engine)
        started = time.perf_counter()
        for start in range(0, len(made), 500):
            batch = made[start : start + 500]
            in_transaction(engine, lambda c: ingest(c, batch, None))
        ingest_s = time.perf_counter() - started
        last = max(e.day for e in made)
        week = reports.Period(date.fromisoformat(last) - timedelta(days=6), date.fromisoformat(last))
        store_day = reports.Period(date.fromisoformat(last), date.fromisoformat(last))
        rounds = 5
        all_ms, everything = _timed(
            lambda: in_transaction(engine, lambda c: reports.build_report(c, reports.Period())), rounds
        )
        week_ms, _ = _timed(lambda: in_transaction(engine, lambda c: reports.build_report(c, week)), rounds)
        one_store = frozenset({"till-03"})
        day_ms, _ = _timed(
            lambda: in_transaction(engine, lambda c: reports.build_report(c, store_day, one_store)), rounds
        )
        baseline_ms, folded = _timed(
            lambda: in_transaction(
                engine, lambda c: reports.compute_report(reports.load_events(c), reports.Period(), {})
            ),
            1 if count > 50_000 else 3,
        )
        engine.dispose()
    assert everything == folded, "the stored totals and the full fold disagree"
    result = {
        "events": len(made),
        "devices": 12,
        "days": 60,
        "report_all_ms": round(all_ms, 2),
        "report_week_ms": round(week_ms, 2),
        "store_day_ms": round(day_ms, 2),
        "baseline_full_fold_ms": round(baseline_ms, 1),
        "ratio": round(baseline_ms / all_ms, 1),
        "ingest_events_per_s": round(len(made) / ingest_s),
    }
    print(f"{'report (median of ' + str(rounds) + ')':<34}{'ms':>10}")
    print(f"{'whole history, from totals':<34}{all_ms:>10.2f}")
    print(f"{'last week, from totals':<34}{week_ms:>10.2f}")
    print(f"{'one store, one day, from totals':<34}{day_ms:>10.2f}")
    print(f"{'whole history, full fold (baseline)':<34}{baseline_ms:>10.1f}")
    print(
        f"{len(made)} events from 12 tills over 60 days, ingested at {result['ingest_events_per_s']} events/s "
        f"(SQLite, batches of 500); ratio fold/totals: {result['ratio']}"
    )
    print("RESULT " + json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
