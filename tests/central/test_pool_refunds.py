"""A refund gives back exactly what the purchase gave: the member's part from the member, the pool's from the pool.

Through the real till (`Till.refund` over its store) and central's real push, held to the reference fold.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.domain import operations, pools
from loyalty.domain.rewards import Reward
from loyalty.errors import KioskError
from tests.central.pool_world import PoolWorld


def _buy(till, world, customer_id, cents, ref):
    till.start_sale({"general": cents}, receipt_ref=ref)
    till.card_presented(world.card(customer_id))


def test_a_full_refund_takes_the_members_part_from_the_member_and_the_pools_part_from_the_pool(
    client, engine, tmp_path
):
    world = PoolWorld(client, engine, tmp_path)
    try:
        ana, ben = world.customers("ana", "ben")
        pool = world.name("home")
        world.member(pool, ana, 50)
        world.member(pool, ben, 100)
        till = world.till()
        _buy(till, world, ana, 4500, "R1")  # 45 points: 22 to the pool, 23 to Ana
        _buy(till, world, ana, 1000, "R2")  # 10 points: 5 to the pool, 5 to Ana
        _buy(till, world, ben, 3400, "R3")  # 34 points, all to the pool
        store = till.live_store
        assert (store.balance(ana), store.pool_balance(pool)) == (28, 61)

        till.refund("R1")
        assert (store.balance(ana), store.pool_balance(pool)) == (5, 39)
        assert [e.type for e in store.pending()[-2:]] == ["EarnReversed", "PoolContributionReversed"]
        world.sync(till)
        assert (world.central_points(ana), world.central_pool(pool)) == (5, 39)
        assert (store.balance(ana), store.pool_balance(pool)) == (5, 39)
    finally:
        world.close()


def test_a_partial_refund_gives_the_pool_its_share_and_a_second_one_the_rest(client, engine, tmp_path):
    world = PoolWorld(client, engine, tmp_path)
    try:
        ana, ben = world.customers("ana", "ben")
        pool = world.name("home")
        world.member(pool, ana, 50)
        world.member(pool, ben, 100)
        till = world.till()
        _buy(till, world, ana, 4500, "R1")
        _buy(till, world, ana, 1000, "R2")
        _buy(till, world, ben, 3400, "R3")
        world.sync(till)  # the earn is at central now: the refund still knows what it gave the pool
        till.refund("R1", 2250)  # half: 22 points, 11 of them the pool's
        store = till.live_store
        assert (store.balance(ana), store.pool_balance(pool)) == (17, 50)
        till.refund("R1")  # the other half
        assert (store.balance(ana), store.pool_balance(pool)) == (5, 39)
        world.sync(till)
        assert (world.central_points(ana), world.central_pool(pool)) == (5, 39)
    finally:
        world.close()


def test_the_pool_never_gives_back_more_than_it_holds(client, engine, tmp_path):
    world = PoolWorld(client, engine, tmp_path)
    try:
        (ana,) = world.customers("ana")
        pool = world.name("wc")
        world.member(pool, ana, 50)
        till = world.till()
        _buy(till, world, ana, 4000, "R1")  # 20 to Ana, 20 to the pool
        store = till.live_store
        store.record(
            pools.redeem(store, Reward("mug", "in_house", "Mug", 15), device_id=store.device_id, customer_id=ana)
        )
        till.refund("R1")
        assert (store.balance(ana), store.pool_balance(pool)) == (0, 0)
        world.sync(till)
        assert (world.central_points(ana), world.central_pool(pool)) == (0, 0)
    finally:
        world.close()


STEP = st.one_of(
    st.tuples(st.just("earn"), st.sampled_from(["ana", "ben", "cleo"]), st.integers(1, 20_000)),
    st.tuples(st.just("refund"), st.integers(0, 50), st.one_of(st.none(), st.integers(1, 20_000))),
    st.tuples(st.just("spend_pool"), st.integers(1, 200)),
    st.tuples(st.just("spend_own"), st.sampled_from(["ana", "ben", "cleo"]), st.integers(1, 200)),
    st.tuples(st.just("sync")),
)


def _owed(points: int, amount: int, refunded: int) -> int:
    return points if amount <= 0 else points * min(refunded, amount) // amount


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(shares=st.tuples(st.integers(1, 100), st.integers(1, 100)), steps=st.lists(STEP, max_size=18))
def test_refunds_through_the_till_and_central_agree_with_the_fold(client, engine, tmp_path_factory, shares, steps):
    world = PoolWorld(client, engine, tmp_path_factory.mktemp("pool"))
    try:
        ana, ben, cleo = world.customers("ana", "ben", "cleo")
        pool = world.name("pool")
        memberships = {ana: (pool, shares[0]), ben: (pool, shares[1])}
        for cid, (pid, share) in memberships.items():
            world.member(pid, cid, share)
        till = world.till()
        store = till.live_store
        names = {"ana": ana, "ben": ben, "cleo": cleo}
        earns: list[dict] = []
        recorded = []  # every event the till recorded, synced or not: the reference folds them all
        for n, step in enumerate(steps):
            if step[0] == "earn":
                _buy(till, world, names[step[1]], step[2], f"R{n}")
                earn = next(e for e in store.pending() if e.type == "PointsEarned" and e.receipt_ref == f"R{n}")
                given = store.pool_contribution(earn.event_id)
                earns.append(
                    {
                        "ref": f"R{n}",
                        "customer": earn.customer_id,
                        "points": earn.points,
                        "cents": earn.amount_cents,
                        "pool": given.points if given else 0,
                        "refunded": 0,
                        "member_paid": 0,
                        "pool_paid": 0,
                    }
                )
            elif step[0] == "refund" and earns:
                earn = earns[step[1] % len(earns)]
                left = earn["cents"] - earn["refunded"]
                cents = None if step[2] is None or left <= 0 else min(step[2], left)
                member_before, pool_before = store.balance(earn["customer"]), store.pool_balance(pool)
                try:
                    till.refund(earn["ref"], cents)
                except KioskError:  # refused only when nothing is left to refund
                    assert left <= 0 or earn["points"] - earn["member_paid"] - earn["pool_paid"] <= 0
                    continue
                refunded = earn["refunded"] + (left if cents is None else cents)
                pool_owed = _owed(earn["pool"], earn["cents"], refunded)
                member_owed = _owed(earn["points"], earn["cents"], refunded) - pool_owed
                member_part = min(member_owed - earn["member_paid"], max(0, member_before))
                pool_part = min(pool_owed - earn["pool_paid"], max(0, pool_before))
                assert store.balance(earn["customer"]) == member_before - member_part
                assert store.pool_balance(pool) == pool_before - pool_part
                earn.update(
                    refunded=refunded,
                    member_paid=earn["member_paid"] + member_part,
                    pool_paid=earn["pool_paid"] + pool_part,
                )
            elif step[0] == "spend_pool":
                try:
                    store.record(
                        pools.redeem(
                            store,
                            Reward("gift", "in_house", "Cadeau", step[1]),
                            device_id=store.device_id,
                            customer_id=ana,
                        )
                    )
                except KioskError:
                    pass
            elif step[0] == "spend_own":
                cid = names[step[1]]
                if store.balance(cid) >= step[2]:
                    store.record(
                        operations.redeem(
                            store,
                            Reward("own", "in_house", "Cadeau", step[2]),
                            device_id=store.device_id,
                            customer_id=cid,
                        )
                    )
            else:
                recorded.extend(store.pending())
                world.sync(till)
            assert store.balance(ana) >= 0 and store.pool_balance(pool) >= 0
        recorded.extend(store.pending())
        reference = world.reference(memberships, events=recorded)
        for cid in (ana, ben, cleo):
            assert store.balance(cid) == reference.balance(cid)
        assert store.pool_balance(pool) == reference.pool_balance(pool)
        world.sync(till)
        for cid in (ana, ben, cleo):
            assert world.central_points(cid) == reference.balance(cid) == store.balance(cid)
        if any(e["pool"] for e in earns) or reference.pool_members.get(pool):
            assert world.central_pool(pool) == reference.pool_balance(pool) == store.pool_balance(pool)
    finally:
        world.close()
