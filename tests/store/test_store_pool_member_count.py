"""A pool's member count on a device: central's count (a store holds only its share of the members), moved by
this device's pending joins and leaves, kept across a reopen; the members held here only if central sent none."""

from __future__ import annotations

from device.store import Store
from loyalty.domain.events import PoolJoined, PoolLeft
from loyalty.domain.snapshot import CustomerState, PoolBalanceState, PoolMemberState, PulledBatch

DEVICE = "till-a"


def _store_share(members: int | None) -> PulledBatch:
    """Store A's share of pool "fam": one of its members (c-anouk); central counts `members` in all."""
    return PulledBatch(
        cursor=1,
        customers=(CustomerState("c-anouk", 10), CustomerState("c-chloe", 0)),
        pool_members=(PoolMemberState("c-anouk", "fam", 50),),
        pool_balances=(PoolBalanceState("fam", 22, members),),
    )


def test_the_member_count_is_centrals_not_the_members_held_here(tmp_path):
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(_store_share(2))
        summary = store.pool_summary("c-anouk")
        assert summary is not None and (summary.points, summary.members) == (22, 2)
    with Store.open(tmp_path, DEVICE) as store:
        assert store.pool_summary("c-anouk").members == 2  # the snapshot keeps central's count


def test_pending_joins_and_leaves_move_centrals_count(tmp_path):
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(_store_share(2))
        store.record(PoolJoined(device_id=DEVICE, pool_id="fam", customer_id="c-chloe", share_pct=20))
        assert store.pool_summary("c-chloe").members == 3 and store.pool_summary("c-anouk").members == 3
        store.record(PoolLeft(device_id=DEVICE, pool_id="fam", customer_id="c-anouk"))
        assert store.pool_summary("c-anouk") is None and store.pool_summary("c-chloe").members == 2
        through = store.pending()[-1].seq
        # Central folded both: its count and this store's share come with the pull, the outbox empties.
        store.apply_batch(
            PulledBatch(
                cursor=2,
                device_seq_through=through,
                pool_members=(PoolMemberState("c-anouk", None), PoolMemberState("c-chloe", "fam", 20)),
                pool_balances=(PoolBalanceState("fam", 22, 2),),
            )
        )
        assert store.pending() == [] and store.pool_summary("c-chloe").members == 2


def test_a_central_sending_no_count_leaves_the_members_held_here(tmp_path):
    with Store.open(tmp_path, DEVICE) as store:
        store.apply_batch(_store_share(None))
        assert store.pool_summary("c-anouk").members == 1
        store.record(PoolJoined(device_id=DEVICE, pool_id="fam", customer_id="c-chloe", share_pct=20))
        assert store.pool_summary("c-anouk").members == 2
