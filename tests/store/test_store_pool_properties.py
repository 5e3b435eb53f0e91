"""Property: pool memberships and balances pulled from central, with pending pool events folded on top, agree
with the reference fold `Ledger` at every step (earns contribute by the rule), also after close and reopen."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device.store import Store
from loyalty.domain import operations, pools
from loyalty.domain.events import PointsEarned, PoolJoined
from loyalty.domain.ledger import Ledger
from loyalty.domain.snapshot import CustomerState, PoolBalanceState, PoolMemberState, PulledBatch

DEVICE = "till-p"
CUSTOMERS = [f"c{n}" for n in range(4)]
POOLS = ["p1", "p2"]

customer = st.sampled_from(CUSTOMERS)
operation = st.one_of(
    st.tuples(st.just("earn"), customer, st.integers(0, 500)),
    st.tuples(st.just("join"), customer, st.sampled_from(POOLS), st.integers(1, 100)),
    st.tuples(st.just("leave"), customer),
    st.tuples(st.just("sync")),
)
base_members = st.dictionaries(customer, st.tuples(st.sampled_from(POOLS), st.integers(1, 100)), max_size=4)


def _pulled(ref: Ledger, cursor: int, through: int | None) -> PulledBatch:
    """What central would send after folding everything `ref` holds."""
    return PulledBatch(
        cursor=cursor,
        device_seq_through=through,
        customers=tuple(CustomerState(c, ref.balance(c)) for c in CUSTOMERS),
        pool_members=tuple(PoolMemberState(c, *(ref.pool_of(c) or (None, 0))) for c in CUSTOMERS),
        pool_balances=tuple(PoolBalanceState(p, ref.pool_balance(p)) for p in POOLS),
    )


def _agree(store: Store, ref: Ledger) -> None:
    for cid in CUSTOMERS:
        assert store.pool_of(cid) == ref.pool_of(cid)
        assert store.balance(cid) == ref.balance(cid)
    for pool_id in POOLS:
        assert store.pool_balance(pool_id) == ref.pool_balance(pool_id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members=base_members, pool_points=st.integers(0, 1000), ops=st.lists(operation, max_size=25))
def test_store_pools_follow_the_reference_fold(members, pool_points, ops):
    ref = Ledger()
    for cid in CUSTOMERS:
        ref.balances[cid] = 100
    for cid, (pool_id, share) in members.items():
        ref.apply(PoolJoined(device_id="central", pool_id=pool_id, customer_id=cid, share_pct=share))
    for pool_id in POOLS:
        ref.pool_balances[pool_id] = pool_points
    directory = Path(tempfile.mkdtemp())
    try:
        store = Store.open(directory, DEVICE)
        try:
            store.apply_batch(_pulled(ref, 1, None))
            _agree(store, ref)
            cursor = 1
            for op in ops:
                if op[0] == "earn":
                    earn = PointsEarned(
                        device_id=DEVICE,
                        customer_id=op[1],
                        receipt_ref=f"r{cursor}-{op[2]}",
                        amount_cents=op[2] * 100,
                        points=op[2],
                    )
                    expected = pools.contribute(ref, earn)
                    recorded = store.record(earn)
                    ref.apply(recorded)
                    given_now = [e for e in store.pending() if getattr(e, "earn_event_id", None) == earn.event_id]
                    if expected is None:
                        assert given_now == []
                    else:
                        assert [(e.pool_id, e.points) for e in given_now] == [(expected.pool_id, expected.points)]
                        ref.apply(given_now[0])
                elif op[0] == "join":
                    current = ref.pool_of(op[1])
                    if current is not None and current[0] != op[2]:  # another pool: an explicit move
                        for event in pools.move(
                            ref, device_id=DEVICE, customer_id=op[1], to_pool=op[2], share_pct=op[3]
                        ):
                            ref.apply(store.record(event))
                    else:
                        ref.apply(
                            store.record(
                                pools.join(ref, device_id=DEVICE, pool_id=op[2], customer_id=op[1], share_pct=op[3])
                            )
                        )
                elif op[0] == "leave":
                    if ref.pool_of(op[1]) is not None:
                        ref.apply(store.record(pools.leave(ref, device_id=DEVICE, customer_id=op[1])))
                else:
                    cursor += 1
                    store.apply_batch(_pulled(ref, cursor, _last_seq(store)))
                _agree(store, ref)
        finally:
            store.close()
        with Store.open(directory, DEVICE) as reopened:
            _agree(reopened, ref)
    finally:
        shutil.rmtree(directory)


def _last_seq(store: Store) -> int:
    pending = store.pending()
    return pending[-1].seq if pending else store.seq_through


def test_a_stop_between_an_earn_and_its_contribution_is_finished_on_open(tmp_path, monkeypatch):
    batch = PulledBatch(
        cursor=1,
        customers=(CustomerState("c0", 0),),
        pool_members=(PoolMemberState("c0", "p1", 50),),
        pool_balances=(PoolBalanceState("p1", 5),),
    )
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(batch)
        monkeypatch.setattr(pools, "contribute", lambda ledger, earn: None)  # the process stops here
        store.record(PointsEarned(device_id=DEVICE, customer_id="c0", receipt_ref="r1", amount_cents=0, points=9))
        monkeypatch.undo()
        assert store.pool_balance("p1") == 5
    with Store.open(tmp_path, DEVICE) as store:
        assert [e.type for e in store.pending()] == ["PointsEarned", "PoolContributed"]
        assert store.pool_balance("p1") == 9 and store.balance("c0") == 5
    with Store.open(tmp_path, DEVICE) as store:
        assert store.pending_count() == 2  # nothing recorded twice


def test_a_refund_after_the_earn_was_folded_and_the_store_reopened_still_gives_the_pools_part(tmp_path):
    batch = PulledBatch(
        cursor=1,
        customers=(CustomerState("c0", 5),),
        pool_members=(PoolMemberState("c0", "p1", 50),),
        pool_balances=(PoolBalanceState("p1", 39),),
    )
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(batch)
        store.record(PointsEarned(device_id=DEVICE, customer_id="c0", receipt_ref="r1", amount_cents=4500, points=45))
        through = store.pending()[-1].seq
        # Central folded the earn and its contribution: the pull carries the balances, the outbox empties.
        store.apply_batch(
            PulledBatch(
                cursor=2,
                device_seq_through=through,
                customers=(CustomerState("c0", 28),),
                pool_balances=(PoolBalanceState("p1", 61),),
            )
        )
        assert store.pending() == []
    with Store.open(tmp_path, DEVICE) as store:
        assert store.pool_contribution(store.earn_for_receipt("r1").event_id).points == 22
        store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="r1"))
        assert [(e.type, e.points) for e in store.pending()] == [("EarnReversed", 45), ("PoolContributionReversed", 22)]
        assert (store.balance("c0"), store.pool_balance("p1")) == (5, 39)


def test_a_stop_between_a_refund_and_the_pools_part_is_finished_on_open(tmp_path, monkeypatch):
    batch = PulledBatch(
        cursor=1,
        customers=(CustomerState("c0", 0),),
        pool_members=(PoolMemberState("c0", "p1", 50),),
        pool_balances=(PoolBalanceState("p1", 0),),
    )
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(batch)
        store.record(PointsEarned(device_id=DEVICE, customer_id="c0", receipt_ref="r1", amount_cents=4000, points=40))
        monkeypatch.setattr(pools, "give_back", lambda view, reversal: None)  # the process stops here
        store.record(operations.reverse(store, device_id=DEVICE, receipt_ref="r1"))
        monkeypatch.undo()
        assert store.pool_balance("p1") == 20
    with Store.open(tmp_path, DEVICE) as store:
        assert [e.type for e in store.pending()][-2:] == ["EarnReversed", "PoolContributionReversed"]
        assert (store.balance("c0"), store.pool_balance("p1")) == (0, 0)
