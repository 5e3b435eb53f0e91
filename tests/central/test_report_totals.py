"""Report totals kept at each push equal the full fold of the ledger, however the pushes are cut."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from central import create_app
from central.backoffice import reports
from central.backoffice.loyalty_terms import run_expiry, save_expiry
from central.db import make_engine, migrate
from central.embedded import enrol_device
from central.event_order import in_happened_order
from central.ingest import ingest
from central.schema import customers, pool_balances
from central.transactions import in_transaction
from loyalty.domain.events import (
    CustomerRegistered,
    EarnReversed,
    PointsEarned,
    PoolContributed,
    PoolContributionReversed,
    PoolJoined,
    PoolRedeemed,
    to_record,
)
from loyalty.domain.expiry import ExpiryRule
from tests.backoffice.ledgers import FIRST_DAY, HOLIDAY, add_holiday_voucher, build_week
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)

PERIODS = [
    reports.Period(),
    reports.Period(FIRST_DAY, FIRST_DAY),
    reports.Period(date(2026, 11, 3), date(2026, 11, 5)),
    reports.Period(None, date(2026, 11, 2)),
    reports.Period(date(2026, 11, 6), None),
]
STORES = [
    None,
    frozenset({"store-a"}),
    frozenset({"store-b"}),
    frozenset({"store-a", "store-b"}),
    frozenset({"store-z"}),
    frozenset(),
]


def _central(url: str):
    engine = make_engine(url)
    migrate(engine)
    add_holiday_voucher(engine)
    return engine


def _push(engine, chunk) -> None:
    """A stretch of trade in one push, as an expiry run or a backfill sends several devices' events."""
    in_transaction(engine, lambda c: ingest(c, chunk, None))


def _same(engine, made, period, stores) -> None:
    stored = in_transaction(engine, lambda c: reports.build_report(c, period, stores))
    folded = reports.compute_report(made, period, {HOLIDAY.reward_id: HOLIDAY.partner}, stores)
    assert stored == folded


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 139), max_size=8), retry=st.booleans())
def test_totals_equal_the_full_fold_however_pushes_are_cut(seed, cuts, retry):
    made = build_week(seed)
    with tempfile.TemporaryDirectory() as folder:
        engine = _central(f"sqlite:///{Path(folder) / 'central.db'}")
        bounds = [0, *sorted(set(cuts)), len(made)]
        for start, end in zip(bounds, bounds[1:], strict=False):
            _push(engine, made[start:end])
            if retry:  # a push whose answer was lost comes again: nothing is counted twice
                _push(engine, made[start:end])
        for period in PERIODS:
            for stores in STORES:
                _same(engine, made, period, stores)
        engine.dispose()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_the_outstanding_points_are_what_central_holds_whatever_order_pushes_arrive_in(seed, order):
    """A till offline for days pushes late, so a refund may reach central before its sale from another till."""
    made = build_week(seed)
    pushes = [
        [e for e in made[start : start + 20] if e.device_id == device]
        for start in range(0, len(made), 20)
        for device in ("store-a", "store-b")
    ]
    order.shuffle(pushes)
    with tempfile.TemporaryDirectory() as folder:
        engine = _central(f"sqlite:///{Path(folder) / 'central.db'}")
        for push in pushes:
            if push:
                in_transaction(engine, lambda c: ingest(c, push, None))
        held = in_transaction(engine, lambda c: c.execute(select(func.sum(customers.c.points))).scalar_one())
        report = in_transaction(engine, lambda c: reports.build_report(c, reports.Period()))
        engine.dispose()
    assert report.summary.outstanding_points == held
    assert report.summary.points_earned == sum(e.points for e in made if isinstance(e, PointsEarned))


def test_a_refund_folded_before_its_sale_takes_back_what_central_took_back(sqlite_url):
    engine = _central(sqlite_url)
    made = build_week(3)
    refund = next(e for e in made if isinstance(e, EarnReversed))
    sale = next(e for e in made if e.event_id == refund.earn_event_id)
    early = replace(refund, device_id="store-z", seq=1)  # another till, whose push arrives first
    in_transaction(engine, lambda c: ingest(c, [early], None))
    in_transaction(engine, lambda c: ingest(c, [sale], None))
    report = in_transaction(engine, lambda c: reports.build_report(c, reports.Period()))
    held = in_transaction(engine, lambda c: c.execute(select(func.sum(customers.c.points))).scalar_one())
    assert (report.summary.points_reversed, report.summary.outstanding_points) == (0, held) == (0, sale.points)


def pool_week() -> list:
    """A member gives half of each earn to the family pool; a refund takes its share back; the pool buys a coffee."""
    at = "2026-11-03T10:00:00+01:00"
    earn = PointsEarned(
        device_id="store-a",
        seq=3,
        at=at,
        cashier_id="alice",
        customer_id="ana",
        receipt_ref="r1",
        amount_cents=10000,
        points=100,
    )
    common = {"device_id": "store-a", "at": at, "cashier_id": "alice", "customer_id": "ana", "pool_id": "fam"}
    return [
        CustomerRegistered(device_id="store-a", seq=1, at=at, customer_id="ana", first_name="Invented"),
        PoolJoined(**common, seq=2, share_pct=50),
        earn,
        PoolContributed(**common, seq=4, earn_event_id=earn.event_id, points=50),
        EarnReversed(
            device_id="store-a",
            seq=5,
            at=at,
            cashier_id="alice",
            customer_id="ana",
            earn_event_id=earn.event_id,
            receipt_ref="r1",
            refund_cents=4000,
            points=20,
        ),
        PoolContributionReversed(**common, seq=6, earn_event_id=earn.event_id, points=10),
        PoolRedeemed(**common, seq=7, reward_id="coffee", reward_kind="in_house", points=30),
    ]


def test_what_pools_hold_is_outstanding_and_what_they_spend_is_redeemed(database_url):
    """The liability is what customers and their pools hold: a share moved to a pool is still owed."""
    engine = _central(database_url)
    made = pool_week()
    _push(engine, made)
    held = in_transaction(
        engine,
        lambda c: (
            c.execute(select(func.sum(customers.c.points))).scalar_one(),
            c.execute(select(func.sum(pool_balances.c.points))).scalar_one(),
        ),
    )
    assert held == (40, 10)  # ana: 100 - 50 - 20 + 10; the pool: 50 - 10 - 30
    for stores in (None, frozenset({"store-a"})):
        report = in_transaction(engine, lambda c, stores=stores: reports.build_report(c, reports.Period(), stores))
        _same(engine, made, reports.Period(), stores)
        summary = report.summary
        assert (summary.points_earned, summary.points_reversed, summary.points_redeemed) == (100, 20, 30)
        assert [(r.partner, r.kind, r.redemptions, r.points) for r in report.by_partner] == [
            ("in-house", "in_house", 1, 30)
        ]
    assert report.summary.outstanding_points is not None
    chain = in_transaction(engine, lambda c: reports.build_report(c, reports.Period()))
    assert chain.summary.outstanding_points == 50
    engine.dispose()


def test_the_expiry_run_is_counted_like_any_push(sqlite_url):
    engine = _central(sqlite_url)
    made = build_week(11)
    _push(engine, made)
    rule = ExpiryRule(after_days=3, notice_days=1)
    in_transaction(engine, lambda c: save_expiry(c, "anna", rule))
    customers_expired, points = in_transaction(engine, lambda c: run_expiry(c, "anna", date(2026, 11, 8)))
    everything = in_transaction(engine, reports.load_events)
    assert customers_expired > 0 and points > 0
    assert in_transaction(engine, lambda c: reports.build_report(c, reports.Period())).summary.points_expired == points
    for period in (reports.Period(), reports.Period(date(2026, 11, 8), date(2026, 11, 8))):
        _same(engine, everything, period, None)


@pytest.mark.postgres
def test_tills_pushing_the_same_days_at_once_through_postgresql_add_up(pg_url):
    """Eight tills push the same days at the same time: every upsert adds, none is lost or doubled."""
    engine = _central(pg_url)
    streams = [
        [
            replace(e, device_id=f"till-{n}", seq=seq, customer_id=f"{e.customer_id}-{n}")
            for seq, e in enumerate(build_week(n), 1)
        ]
        for n in range(8)
    ]
    failures: list[BaseException] = []

    def push(stream):
        try:
            for start in range(0, len(stream), 10):
                batch = stream[start : start + 10]
                in_transaction(engine, lambda c: ingest(c, batch, None))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=push, args=(stream,)) for stream in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    made = in_happened_order(e for stream in streams for e in stream)
    for period in (reports.Period(), reports.Period(date(2026, 11, 2), date(2026, 11, 4))):
        for stores in (None, frozenset({"till-3"})):
            _same(engine, made, period, stores)
    engine.dispose()


def test_a_pushed_id_too_long_for_the_totals_is_refused_with_nothing_stored(sqlite_url):
    app = create_app(sqlite_url)
    engine = app.extensions["central.engine"]
    token = enrol_device(engine, "till-1")
    earn = next(e for e in build_week(1) if isinstance(e, PointsEarned))
    record = {**to_record(replace(earn, device_id="till-1", seq=1)), "cashier_id": "c" * 65}
    answer = app.test_client().post(
        "/api/sync/push", json={"events": [record]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 422 and "cashier_id must be 1 to 64 characters" in answer.json["message"]
    assert in_transaction(engine, lambda c: reports.build_report(c, reports.Period())).summary.earn_operations == 0
    engine.dispose()


def test_days_of_the_period_are_local_days(sqlite_url):
    engine = _central(sqlite_url)
    made = build_week(5)
    _push(engine, made)
    last = max(e.day for e in made)
    report = in_transaction(
        engine,
        lambda c: reports.build_report(
            c, reports.Period(date.fromisoformat(last), date.fromisoformat(last) + timedelta(days=30))
        ),
    )
    assert report.summary.earn_operations == sum(isinstance(e, PointsEarned) and e.day == last for e in made)
