"""Pools at central: members set from the back office, contributions pushed by tills, balances folded the same way."""

from __future__ import annotations

import dataclasses

from loyalty.domain import pools
from loyalty.domain.events import CustomerRegistered, PointsEarned
from loyalty.domain.ledger import Ledger
from loyalty.domain.rewards import Reward


def _customers(device, *ids):
    device.push(
        [
            CustomerRegistered(device_id=device.device_id, seq=device.next_seq(), customer_id=c, first_name=c)
            for c in ids
        ]
    )


def _member(client, admin, pool_id, customer_id, share, expect=200):
    response = client.put(f"/api/admin/pools/{pool_id}/members/{customer_id}", json={"share_pct": share}, headers=admin)
    assert response.status_code == expect, response.json
    return response.json


def _earn_with_pool(device, ledger, customer_id, points, ref):
    """What a till does: the earn, then the pool's share as its own event, pushed together."""
    earn = PointsEarned(
        device_id=device.device_id,
        seq=device.next_seq(),
        customer_id=customer_id,
        receipt_ref=ref,
        amount_cents=points * 100,
        points=points,
    )
    ledger.apply(earn)
    given = pools.contribute(ledger, earn)
    batch = [earn] + ([dataclasses.replace(given, seq=device.next_seq())] if given else [])
    for event in batch[1:]:
        ledger.apply(event)
    device.push(batch)


def test_members_give_to_the_pool_and_central_balances_agree(client, admin, make_device):
    till = make_device()
    _customers(till, "ana", "ben")
    _member(client, admin, "home-7", "ana", 50)
    _member(client, admin, "home-7", "ben", 100)
    ledger = Ledger()  # the till's view: it pulled the memberships
    ledger.apply(pools.join(ledger, device_id="central", pool_id="home-7", customer_id="ana", share_pct=50))
    ledger.apply(pools.join(ledger, device_id="central", pool_id="home-7", customer_id="ben", share_pct=100))
    _earn_with_pool(till, ledger, "ana", 45, "R1")
    _earn_with_pool(till, ledger, "ben", 30, "R2")
    state = client.get("/api/admin/pools/home-7", headers=admin).json
    assert state["points"] == 52 == ledger.pool_balance("home-7")
    assert state["members"] == [{"customer_id": "ana", "share_pct": 50}, {"customer_id": "ben", "share_pct": 100}]
    pulled = till.pull_all()["customers"]
    assert (pulled["ana"]["points"], pulled["ben"]["points"]) == (23, 0)
    seen = client.get("/api/pools/of/ana", headers=till.headers).json
    assert seen == {"customer_id": "ana", "pool": {"pool_id": "home-7", "points": 52, "members": 2}}


def test_leaving_keeps_history_and_the_pool_redeems(client, admin, make_device):
    till = make_device()
    _customers(till, "ana", "ben")
    _member(client, admin, "wc-acme", "ana", 20)
    ledger = Ledger()
    ledger.apply(pools.join(ledger, device_id="central", pool_id="wc-acme", customer_id="ana", share_pct=20))
    _earn_with_pool(till, ledger, "ana", 100, "R1")
    assert client.delete("/api/admin/pools/wc-acme/members/ana", headers=admin).status_code == 200
    assert client.get("/api/pools/of/ana", headers=till.headers).json["pool"] is None
    again = client.delete("/api/admin/pools/wc-acme/members/ana", headers=admin)
    assert again.status_code == 422 and "not a member" in again.json["message"]
    state = client.get("/api/admin/pools/wc-acme", headers=admin).json
    assert state["points"] == 20 and state["members"] == []
    assert [h["type"] for h in state["history"]] == ["PoolJoined", "PoolContributed", "PoolLeft"]
    _member(client, admin, "wc-acme", "ben", 10)
    ledger.apply(pools.join(ledger, device_id="central", pool_id="wc-acme", customer_id="ben", share_pct=10))
    redeemed = pools.redeem(ledger, Reward("mug", "in_house", "Mug", 15), device_id="till-1", customer_id="ben")
    till.push([dataclasses.replace(redeemed, seq=till.next_seq())])
    assert client.get("/api/admin/pools/wc-acme", headers=admin).json["points"] == 5
    assert till.pull_all()["customers"]["ana"]["points"] == 80


def test_bad_membership_requests_change_nothing(client, admin, make_device):
    till = make_device()
    _customers(till, "ana")
    assert _member(client, admin, "p1", "nobody", 10, expect=404)["message"] == "no customer 'nobody'"
    assert "1 to 100" in _member(client, admin, "p1", "ana", 0, expect=422)["message"]
    assert "pool id" in _member(client, admin, "bad%20id", "ana", 10, expect=422)["message"]
    assert client.get("/api/admin/pools/p1", headers=admin).status_code == 404
    assert client.get("/api/pools/of/ana").status_code == 401
    assert client.put("/api/admin/pools/p1/members/ana", json={"share_pct": 5}).status_code == 401
