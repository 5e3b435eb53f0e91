"""Merges, manual adjustments and erasures keep central's balances and lots equal to the domain's fold of every
stored event, whatever the story before them; a merge then its undoing leaves both customers as they were."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central import create_app
from central.backoffice.accounts import BackofficeUser
from central.backoffice.customer_service import adjust_points, merge_customers, stored_events, undo_merge
from central.clock import utc_today
from central.customers import erase_customer
from central.db import make_engine
from central.errors import AdjustmentOverBalance, AlreadyMerged, MergedPointsSpent, MergeUndoClosed
from central.ingest import ingest
from central.schema import customers
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered, EarnReversed, PointsEarned, PointsRedeemed
from loyalty.domain.expiry import ExpiryRule, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import lots_from_json
from loyalty.domain.tiers import points_in_period

HEAD = BackofficeUser("anna", "head_office")
PEOPLE = ("a", "b", "c")
RULE = ExpiryRule(after_days=365, notice_days=30)

step = st.one_of(
    st.tuples(st.just("earn"), st.sampled_from(PEOPLE), st.integers(1, 90), st.integers(0, 300)),
    st.tuples(st.just("redeem"), st.sampled_from(PEOPLE), st.integers(1, 60), st.integers(0, 300)),
    st.tuples(st.just("refund"), st.sampled_from(PEOPLE), st.integers(1, 40), st.integers(0, 300)),
    st.tuples(st.just("adjust"), st.sampled_from(PEOPLE), st.integers(-80, 80), st.integers(0, 0)),
    st.tuples(st.just("merge"), st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(0, 0)),
    st.tuples(st.just("undo"), st.sampled_from(PEOPLE), st.integers(0, 0), st.integers(0, 0)),
    st.tuples(st.just("erase"), st.sampled_from(PEOPLE), st.integers(0, 0), st.integers(0, 0)),
)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """Fresh central databases, each a copy of one migrated file (migrating each example would be slow)."""
    folder = tmp_path_factory.mktemp("central")
    template = folder / "template.db"
    create_app(f"sqlite:///{template}").extensions["central.engine"].dispose()
    made = []

    def fresh():
        path = folder / f"central-{len(made)}.db"
        shutil.copyfile(template, path)
        made.append(make_engine(f"sqlite:///{path}"))
        return made[-1]

    yield fresh
    for engine in made:
        engine.dispose()


def _central_ledger(engine) -> Ledger:
    ledger = Ledger()
    with engine.connect() as c:
        for row in c.execute(select(customers)):
            ledger.balances[row.customer_id] = row.points
            ledger.lots[row.customer_id] = lots_from_json(row.lots)
            ledger.debits[row.customer_id] = row.debits
    return ledger


def _same_answers(central: Ledger, reference: Ledger, today: date) -> None:
    assert {k: v for k, v in central.balances.items()} == {k: reference.balance(k) for k in central.balances}
    for cid in central.balances:
        for ahead in (0, 20, 200):
            when = today + timedelta(days=ahead)
            assert notice(central, cid, when, RULE) == notice(reference, cid, when, RULE), cid
            assert points_in_period(central, cid, when, 365) == points_in_period(reference, cid, when, 365), cid
        for day in sorted(reference.lots.get(cid, {})):
            assert central.expirable(cid, day) == reference.expirable(cid, day), (cid, day)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_merge_adjust_and_erase_keep_balances_and_lots_equal_to_the_fold(engines, steps):
    engine = engines()
    today = utc_today()
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                e
                for p in PEOPLE
                for e in (
                    CustomerRegistered(device_id="till", customer_id=p, first_name=p.upper()),
                    CardLinked(device_id="till", customer_id=p, card_uid=f"CARD-{p}"),
                )
            ],
            None,
        ),
    )
    earns: dict[str, list[PointsEarned]] = {p: [] for p in PEOPLE}
    merges: list[str] = []
    erased: set[str] = set()
    for n, (kind, who, amount, days_ago) in enumerate(steps):
        at = f"{(today - timedelta(days=days_ago)).isoformat()}T10:00:00+01:00"
        if kind == "earn":
            e = PointsEarned(
                device_id="till", at=at, customer_id=who, receipt_ref=f"r{n}", amount_cents=amount * 100, points=amount
            )
            earns[who].append(e)
            in_transaction(engine, lambda c: ingest(c, [e], None))
        elif kind == "redeem":
            in_transaction(
                engine,
                lambda c: ingest(
                    c,
                    [
                        PointsRedeemed(
                            device_id="till",
                            at=at,
                            customer_id=who,
                            reward_id="mug",
                            reward_kind="in_house",
                            points=amount,
                        )
                    ],
                    None,
                ),
            )
        elif kind == "refund" and earns[who]:
            earn = earns[who][amount % len(earns[who])]
            in_transaction(
                engine,
                lambda c: ingest(
                    c,
                    [
                        EarnReversed(
                            device_id="till",
                            at=at,
                            customer_id=who,
                            earn_event_id=earn.event_id,
                            receipt_ref=earn.receipt_ref,
                            refund_cents=500,
                            points=5,
                        )
                    ],
                    None,
                ),
            )
        elif kind == "adjust" and amount and who not in erased:
            try:
                in_transaction(engine, lambda c: adjust_points(c, HEAD, who, amount, "property test"))
            except AdjustmentOverBalance:  # taking back more than the balance is refused and changes nothing
                pass
        elif kind == "merge" and who != amount and not erased & {who, amount}:
            try:
                merges.append(in_transaction(engine, lambda c: merge_customers(c, HEAD, who, amount, "duplicate")))
            except AlreadyMerged:
                pass
        elif kind == "undo" and merges:
            before = _central_ledger(engine)
            merge_id = merges.pop()
            try:
                in_transaction(engine, lambda c: undo_merge(c, HEAD, merge_id, "not a duplicate"))
            except (MergedPointsSpent, MergeUndoClosed):
                assert _central_ledger(engine).balances == before.balances
        elif kind == "erase" and who not in erased:
            in_transaction(engine, lambda c: erase_customer(c, who, "anna"))
            erased.add(who)
    with engine.connect() as c:
        reference = Ledger.fold(stored_events(c))
    _same_answers(_central_ledger(engine), reference, today)
    assert sum(_central_ledger(engine).balances.values()) == sum(reference.balances.values())


def test_a_merge_then_its_undoing_leaves_both_customers_as_they_were(engines):
    engine = engines()
    today = utc_today()
    story = [CustomerRegistered(device_id="till", customer_id=p, first_name=p) for p in ("k", "d")]
    story += [
        PointsEarned(
            device_id="till",
            at=f"{(today - timedelta(days=d)).isoformat()}T10:00:00+01:00",
            customer_id=p,
            receipt_ref=f"{p}{d}",
            amount_cents=100 * d,
            points=d,
        )
        for p, d in (("k", 10), ("d", 40), ("d", 300), ("k", 5))
    ]
    story += [PointsRedeemed(device_id="till", customer_id="d", reward_id="mug", reward_kind="in_house", points=50)]
    in_transaction(engine, lambda c: ingest(c, story, None))
    before = _central_ledger(engine)
    merge_id = in_transaction(engine, lambda c: merge_customers(c, HEAD, "k", "d", "duplicate"))
    merged = _central_ledger(engine)
    assert (merged.balance("k"), merged.balance("d")) == (15 + 290, 0)
    in_transaction(engine, lambda c: undo_merge(c, HEAD, merge_id, "not a duplicate"))
    after = _central_ledger(engine)
    for cid in ("k", "d"):
        assert after.balance(cid) == before.balance(cid)
        assert {d: p for d, p in after.lots[cid].items() if p} == {d: p for d, p in before.lots[cid].items() if p}
        assert after.debits[cid] == before.debits[cid]


def test_each_refusal_of_customer_service_has_its_own_type(engines):
    engine = engines()
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                e
                for p in PEOPLE
                for e in (
                    CustomerRegistered(device_id="till", customer_id=p, first_name=p.upper()),
                    CardLinked(device_id="till", customer_id=p, card_uid=f"CARD-{p}"),
                    PointsEarned(device_id="till", customer_id=p, receipt_ref=f"r-{p}", amount_cents=3000, points=30),
                )
            ],
            None,
        ),
    )
    with pytest.raises(AdjustmentOverBalance):
        in_transaction(engine, lambda c: adjust_points(c, HEAD, "a", -31, "too much"))
    merge_id = in_transaction(engine, lambda c: merge_customers(c, HEAD, "a", "b", "duplicate"))
    with pytest.raises(AlreadyMerged):
        in_transaction(engine, lambda c: merge_customers(c, HEAD, "c", "b", "duplicate"))
    in_transaction(engine, lambda c: adjust_points(c, HEAD, "a", -45, "spent"))  # a keeps 15 of b's 30
    with pytest.raises(MergedPointsSpent):
        in_transaction(engine, lambda c: undo_merge(c, HEAD, merge_id, "not a duplicate"))
    in_transaction(engine, lambda c: adjust_points(c, HEAD, "a", 45, "given back"))
    in_transaction(engine, lambda c: undo_merge(c, HEAD, merge_id, "not a duplicate"))
    with pytest.raises(MergeUndoClosed):
        in_transaction(engine, lambda c: undo_merge(c, HEAD, merge_id, "again"))
