"""Spending a pool: any current member spends it at the till or the kiosk, in-house rewards and partner vouchers,
with the offline caps of their own points; central folds the same balances as the devices."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central.schema import voucher_codes
from central.voucher_reconcile import reconcile
from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen
from loyalty.domain.snapshot import RewardState
from loyalty.errors import InsufficientPoints, KioskError, OfflineLimitReached, PoolRefused
from tests.central.pool_world import PoolWorld


@pytest.fixture
def world(client, engine, tmp_path):
    made = PoolWorld(client, engine, tmp_path)
    yield made
    made.close()


def _buy(till, world, customer_id, cents, ref):
    till.start_sale({"general": cents}, receipt_ref=ref)
    return till.card_presented(world.card(customer_id))


def _household(world, pool_points_cents=6100):
    """Ana gives half, Ben everything: Ben's purchase fills the pool, Ana has no points of her own."""
    ana, ben, cleo = world.customers("ana", "ben", "cleo")
    pool = world.name("home")
    world.member(pool, ana, 50)
    world.member(pool, ben, 100)
    feeder = world.till("feeder")
    _buy(feeder, world, ben, pool_points_cents, "F1")
    world.sync(feeder)
    return ana, ben, cleo, pool


def test_a_member_with_no_points_of_her_own_is_offered_and_spends_the_pool_at_the_till(world):
    ana, ben, cleo, pool = _household(world)
    till = world.till()
    shown = till.card_presented(world.card(ana))["customer"]
    assert shown["points"] == 0 and shown["rewards"] == []
    assert shown["pool"] == {"pool_id": pool, "points": 61, "members": 2, "share_pct": 50}
    assert [r["reward_id"] for r in shown["pool_rewards"]] == ["coffee"]
    with pytest.raises(InsufficientPoints):
        till.redeem("coffee")  # her own points do not cover it
    done = till.redeem("coffee", from_pool=True)
    assert done["from_pool"] is True and done["points_used"] == 50
    assert done["customer"]["pool"]["points"] == 11 and done["customer"]["points"] == 0
    world.sync(till)
    assert world.central_pool(pool) == 11 and world.central_points(ana) == 0
    till.card_presented(world.card(cleo))
    with pytest.raises(PoolRefused, match="only a member"):
        till.redeem("coffee", from_pool=True)


def test_spending_the_pool_offline_has_the_same_caps_and_partner_vouchers_need_central(world):
    ana, ben, cleo, pool = _household(world, 40_000)
    offline = {"state": "offline"}
    till = world.till(central={"offline_redeem_per_card": 200}, sync_state=offline)
    till.card_presented(world.card(ana))
    till.redeem("tote-bag", from_pool=True)  # 150 of the 200 this card may spend offline
    till.redeem("coffee", from_pool=True)  # the last 50
    with pytest.raises(OfflineLimitReached, match="0 more points"):
        till.redeem("coffee", from_pool=True)
    with pytest.raises(OfflineLimitReached, match="partner voucher"):
        till.redeem("holiday-20", pin="1234", from_pool=True)
    assert till.live_store.pool_balance(pool) == 400 - 150 - 50


def test_a_partner_voucher_from_the_pool_at_the_till_takes_a_code_from_central(world, client, admin):
    ana, ben, cleo, pool = _household(world, 150_000)
    response = client.post(
        "/api/admin/partners/holidays/codes",
        data="code,face_value_cents\nHOL-0001,2000\n",
        content_type="text/csv",
        headers=admin,
    )
    assert response.status_code == 200, response.json
    till = world.till(vouchers=True)
    till.card_presented(world.card(ana))
    done = till.redeem("holiday-20", pin="1234", from_pool=True)
    assert done["voucher_code"] == "HOL-0001" and done["customer"]["pool"]["points"] == 500
    world.sync(till)
    assert world.central_pool(pool) == 500
    # the pool's redemption confirms its code, so the code is never released nor listed as an orphan
    with world.engine.connect() as connection:
        confirmed = connection.execute(
            select(voucher_codes.c.confirmed_at).where(voucher_codes.c.code == "HOL-0001")
        ).scalar_one()
        assert confirmed is not None
        assert reconcile(connection, grace_s=0) == []


def test_a_member_spends_the_pool_at_the_kiosk_within_the_daily_limit(world, tmp_path):
    ana, ben, cleo, pool = _household(world)
    store = world.kiosk_store()
    rewards = RewardsFile.in_dir(tmp_path / "kiosk-rewards")
    rewards.put((RewardState("coffee", "in_house", "Café", 50), RewardState("bag", "in_house", "Sac", 150)))
    screen = KioskScreen(store, rewards, device_id=store.device_id, redeem_per_day=1, central=None)
    card = world.card(ana)
    screen.present(card)
    assert screen.summary(card).affordable == ()
    offered = screen.pool(card)
    assert offered["points"] == 61 and [r.reward_id for r in offered["rewards"]] == ["coffee"]
    done = screen.redeem(card, "coffee", from_pool=True)
    assert done.from_pool and done.balance == 11 and store.balance(ana) == 0
    with pytest.raises(KioskError):
        screen.redeem(card, "coffee", from_pool=True)  # the kiosk's daily limit counts pool spending too
    world.sync(store)
    assert world.central_pool(pool) == 11


STEP = st.one_of(
    st.tuples(st.just("earn"), st.sampled_from(["ana", "ben", "cleo"]), st.integers(1, 30_000)),
    st.tuples(st.just("spend_pool"), st.sampled_from(["ana", "ben", "cleo"]), st.sampled_from(["coffee", "tote-bag"])),
    st.tuples(st.just("spend_own"), st.sampled_from(["ana", "ben", "cleo"]), st.sampled_from(["coffee", "tote-bag"])),
    st.tuples(st.just("refund"), st.integers(0, 50), st.one_of(st.none(), st.integers(1, 30_000))),
    st.tuples(st.just("online"), st.booleans()),
    st.tuples(st.just("sync")),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(shares=st.tuples(st.integers(1, 100), st.integers(1, 100)), steps=st.lists(STEP, max_size=20))
def test_pool_spending_through_the_till_and_central_agrees_with_the_fold(
    client, engine, tmp_path_factory, shares, steps
):
    world = PoolWorld(client, engine, tmp_path_factory.mktemp("spend"))
    try:
        ana, ben, cleo = world.customers("ana", "ben", "cleo")
        pool = world.name("pool")
        memberships = {ana: (pool, shares[0]), ben: (pool, shares[1])}
        for cid, (pid, share) in memberships.items():
            world.member(pid, cid, share)
        state = {"state": "idle"}
        till = world.till(central={"offline_redeem_per_card": 200, "offline_redeem_per_device": 300}, sync_state=state)
        store = till.live_store
        names = {"ana": ana, "ben": ben, "cleo": cleo}
        refs: list[str] = []
        recorded = []
        spent_offline: dict[str, int] = {}
        for n, step in enumerate(steps):
            if step[0] == "earn":
                _buy(till, world, names[step[1]], step[2], f"R{n}")
                refs.append(f"R{n}")
            elif step[0] in ("spend_pool", "spend_own"):
                cid = names[step[1]]
                from_pool = step[0] == "spend_pool"
                pool_before, own_before = store.pool_balance(pool), store.balance(cid)
                till.card_presented(world.card(cid))
                try:
                    done = till.redeem(step[2], from_pool=from_pool)
                except PoolRefused:
                    assert from_pool and cid == cleo
                    continue
                except InsufficientPoints:
                    assert (pool_before if from_pool else own_before) < {"coffee": 50, "tote-bag": 150}[step[2]]
                    continue
                except OfflineLimitReached:
                    assert state["state"] == "offline"
                    continue
                if from_pool:
                    assert cid != cleo and store.pool_balance(pool) == pool_before - done["points_used"] >= 0
                    assert store.balance(cid) == own_before
                if state["state"] == "offline":
                    spent_offline[cid] = spent_offline.get(cid, 0) + done["points_used"]
                    assert spent_offline[cid] <= 200 and sum(spent_offline.values()) <= 300
            elif step[0] == "refund" and refs:
                try:
                    till.refund(refs[step[1] % len(refs)], step[2])
                except KioskError:
                    pass
            elif step[0] == "online":
                state["state"] = "idle" if step[1] else "offline"
            else:
                recorded.extend(store.pending())
                world.sync(till)
                spent_offline.clear()
            assert store.pool_balance(pool) >= 0
        recorded.extend(store.pending())
        reference = world.reference(memberships, events=recorded)
        assert not reference.overdrawn
        for cid in (ana, ben, cleo):
            assert store.balance(cid) == reference.balance(cid) >= 0
        assert store.pool_balance(pool) == reference.pool_balance(pool)
        world.sync(till)
        for cid in (ana, ben, cleo):
            assert world.central_points(cid) == reference.balance(cid)
        assert world.central_pool(pool) == reference.pool_balance(pool)
    finally:
        world.close()
