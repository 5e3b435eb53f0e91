"""Property: what expires soon and which tier, as the store answers them from the lots pulled from central with
its pending earns, redemptions and refunds folded on top, agree with the reference fold `Ledger` of every event
(pulled and pending) at every step, also across syncs (central compacts the lots) and after close and reopen."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device.store import Store
from loyalty.domain import operations
from loyalty.domain.events import PointsEarned
from loyalty.domain.expiry import ExpiryRule, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import compact, keep_from
from loyalty.domain.rewards import Reward
from loyalty.domain.snapshot import CustomerState, PulledBatch
from loyalty.domain.tiers import Tier, TierScale, tier_of
from loyalty.errors import KioskError

from .conftest import DEVICE

CUSTOMERS = ["c0", "c1", "c2"]
TODAY = date(2026, 3, 3)
DAYS = ["2026-02-20", "2026-03-01", "2026-03-03"]
RULE = ExpiryRule(after_days=370, notice_days=30)
SCALE = TierScale(90, (Tier("bronze", 0), Tier("silver", 100), Tier("gold", 500)))
OLDEST_BASE = date(2023, 1, 1)

customer = st.sampled_from(CUSTOMERS)
#: Pulled lots from any day since OLDEST_BASE, often from the days that expire within the notice period.
NOTICE_FROM = (RULE.through_day(TODAY) - OLDEST_BASE).days
lot_day = st.one_of(st.integers(0, (TODAY - OLDEST_BASE).days), st.integers(NOTICE_FROM - 5, NOTICE_FROM + 60))
base_lots = st.dictionaries(
    customer, st.tuples(st.dictionaries(lot_day, st.integers(0, 300), max_size=6), st.integers(0, 400)), max_size=3
)
operation = st.one_of(
    st.tuples(st.just("earn"), customer, st.integers(0, 400), st.sampled_from(DAYS)),
    st.tuples(st.just("redeem"), customer, st.integers(1, 300)),
    st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 40_000)),
    st.tuples(st.just("sync")),
    st.tuples(st.just("reopen")),
)


def _pulled(ref: Ledger, cursor: int, through: int | None) -> PulledBatch:
    """What central would send after folding everything `ref` holds, lots compacted as central keeps them."""
    states = []
    for cid in CUSTOMERS:
        lots, debits = compact(ref.lots.get(cid, {}), ref.debits.get(cid, 0), keep_from(TODAY))
        states.append(CustomerState(cid, ref.balance(cid), lots=tuple(sorted(lots.items())), debits=debits))
    return PulledBatch(cursor=cursor, device_seq_through=through, customers=tuple(states))


def _agree(store: Store, ref: Ledger) -> None:
    for cid in CUSTOMERS:
        assert store.balance(cid) == ref.balance(cid)
        for when in (TODAY, TODAY + timedelta(days=20)):
            assert store.expiry_notice(cid, when, RULE) == notice(ref, cid, when, RULE)
            assert store.tier(cid, when, SCALE) == tier_of(ref, cid, when, SCALE)


def _last_seq(store: Store) -> int:
    pending = store.pending()
    return pending[-1].seq if pending else store.seq_through


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=base_lots, ops=st.lists(operation, max_size=25))
def test_store_expiry_and_tier_follow_the_reference_fold(base, ops):
    ref = Ledger()
    for cid in CUSTOMERS:
        lots, debits = base.get(cid, ({}, 0))
        ref.lots[cid] = {(OLDEST_BASE + timedelta(days=offset)).isoformat(): p for offset, p in lots.items()}
        ref.debits[cid] = min(debits, sum(lots.values()))
        ref.balances[cid] = sum(lots.values()) - ref.debits[cid]
    directory = Path(tempfile.mkdtemp())
    earns: list[PointsEarned] = []
    try:
        store = Store.open(directory, DEVICE)
        try:
            cursor = 1
            store.apply_batch(_pulled(ref, cursor, None))
            _agree(store, ref)
            for op in ops:
                if op[0] == "earn":
                    earn = store.record(
                        PointsEarned(
                            device_id=DEVICE,
                            customer_id=op[1],
                            at=f"{op[3]}T10:00:00+01:00",
                            receipt_ref=f"R{len(earns)}",
                            amount_cents=op[2] * 100,
                            points=op[2],
                        )
                    )
                    ref.apply(earn)
                    earns.append(earn)
                elif op[0] == "redeem":
                    try:
                        event = operations.redeem(
                            store, Reward("mug", "in_house", "Mug", op[2]), device_id=DEVICE, customer_id=op[1]
                        )
                    except KioskError:
                        continue
                    ref.apply(store.record(event))
                elif op[0] == "refund":
                    if not earns:
                        continue
                    try:
                        event = operations.reverse(
                            store,
                            device_id=DEVICE,
                            receipt_ref=earns[op[1] % len(earns)].receipt_ref,
                            refund_cents=op[2],
                        )
                    except KioskError:
                        continue
                    ref.apply(store.record(event))
                elif op[0] == "sync":
                    cursor += 1
                    store.apply_batch(_pulled(ref, cursor, _last_seq(store)))
                else:
                    store.close()
                    store = Store.open(directory, DEVICE)
                _agree(store, ref)
        finally:
            store.close()
        with Store.open(directory, DEVICE) as reopened:
            _agree(reopened, ref)
    finally:
        shutil.rmtree(directory)


def test_a_refund_after_its_earn_was_folded_at_central_reduces_the_earns_day(tmp_path):
    """The kept earn remembers its day, also across a reopen, so the refund takes from the right lot."""
    rule = ExpiryRule(after_days=10, notice_days=5)
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c0", 0),)))
        earn = store.record(
            PointsEarned(
                device_id=DEVICE,
                customer_id="c0",
                at="2026-03-01T10:00:00+01:00",
                receipt_ref="R1",
                amount_cents=10_000,
                points=100,
            )
        )
        store.apply_batch(
            PulledBatch(
                cursor=2,
                device_seq_through=earn.seq,
                customers=(CustomerState("c0", 100, lots=(("2026-03-01", 100),)),),
            )
        )
    with Store.open(tmp_path, DEVICE) as store:
        store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="R1", refund_cents=4_000))
        assert store.balance("c0") == 60
        # Earned on 1 March, the points go on 11 March: seen from 7 March, within the five days' notice.
        assert store.expiry_notice("c0", date(2026, 3, 7), rule).points == 60
        assert store.expiry_notice("c0", date(2026, 3, 7), rule).first_day == date(2026, 3, 11)
