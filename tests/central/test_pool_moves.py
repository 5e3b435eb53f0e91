"""Moving a member between pools is explicit, and central, tills and kiosks then count the same members."""

from __future__ import annotations

import pytest

from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen
from tests.central.pool_world import PoolWorld


@pytest.fixture
def world(client, engine, tmp_path):
    made = PoolWorld(client, engine, tmp_path)
    yield made
    made.close()


class CentralPools:
    """The kiosk's online client, answering from central's own device API."""

    def __init__(self, client, headers) -> None:
        self.client, self.headers = client, headers

    def pool_of(self, customer_id: str):
        return self.client.get(f"/api/pools/of/{customer_id}", headers=self.headers).json["pool"]


def test_adding_a_member_of_another_pool_is_refused_and_a_move_leaves_the_first_pool(world, client, admin):
    ana, ben = world.customers("ana", "ben")
    home, work = world.name("home"), world.name("work")
    world.member(home, ana, 50)
    world.member(home, ben, 50)
    till = world.till()
    refused = client.put(f"/api/admin/pools/{work}/members/{ben}", json={"share_pct": 20}, headers=admin)
    assert refused.status_code == 422 and "move them" in refused.json["message"]
    moved = client.post(f"/api/admin/pools/{work}/members/{ben}/move", json={"share_pct": 20}, headers=admin)
    assert moved.status_code == 200 and moved.json["left_pool"] == home
    assert client.get(f"/api/admin/pools/{home}", headers=admin).json["members"] == [
        {"customer_id": ana, "share_pct": 50}
    ]
    assert client.get(f"/api/admin/pools/{work}", headers=admin).json["members"] == [
        {"customer_id": ben, "share_pct": 20}
    ]

    world.pull(till)
    assert till.live_store.pool_of(ben) == (work, 20)
    assert till.live_store.pool_summary(ana).members == 1
    kiosk_store = world.kiosk_store()
    rewards = RewardsFile.in_dir(world.tmp / "rewards")
    online = KioskScreen(
        kiosk_store,
        rewards,
        device_id=kiosk_store.device_id,
        central=CentralPools(client, world.headers[kiosk_store.device_id]),
    )
    offline = KioskScreen(kiosk_store, rewards, device_id=kiosk_store.device_id, central=None)
    for screen in (online, offline):
        screen.present(world.card(ana))
    assert online.pool(world.card(ana))["members"] == offline.pool(world.card(ana))["members"] == 1
    for screen in (online, offline):
        screen.present(world.card(ben))
    assert online.pool(world.card(ben))["pool_id"] == offline.pool(world.card(ben))["pool_id"] == work

    till.start_sale({"general": 1000}, receipt_ref="R1")
    till.card_presented(world.card(ben))  # 10 points, 2 to his new pool
    world.sync(till)
    assert (world.central_pool(home), world.central_pool(work)) == (0, 2)
    assert [h["type"] for h in client.get(f"/api/admin/pools/{work}", headers=admin).json["history"]] == [
        "PoolJoined",
        "PoolContributed",
    ]


def test_a_closed_pool_has_no_members_anywhere_and_keeps_its_history(world, client, admin):
    ana, ben = world.customers("ana", "ben")
    home = world.name("home")
    world.member(home, ana, 50)
    world.member(home, ben, 50)
    till = world.till()
    closed = client.post(f"/api/admin/pools/{home}/close", headers=admin)
    assert closed.status_code == 200 and closed.json["members_left"] == 2
    state = client.get(f"/api/admin/pools/{home}", headers=admin).json
    assert state["members"] == [] and [h["type"] for h in state["history"]][-2:] == ["PoolLeft", "PoolLeft"]
    listed = {p["pool_id"]: p for p in client.get("/api/admin/pools", headers=admin).json["pools"]}
    assert listed[home] == {"pool_id": home, "points": 0, "members": 0}
    world.pull(till)
    assert till.live_store.pool_of(ana) is None and till.live_store.pool_of(ben) is None
