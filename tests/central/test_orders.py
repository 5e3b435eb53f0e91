"""Web-shop and catalogue orders earn and refund points through the order API, exactly once per order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from central import channel_keys
from central.schema import events
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned


def _key(engine, channel="web", scopes=("earn", "refund", "lookup"), rate=600):
    return in_transaction(engine, lambda c: channel_keys.create_key(c, channel, "shop", list(scopes), "chef", rate))


def _auth(text):
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture
def shopper(make_device):
    """Zélie, card CARD-1, 10 points from a till sale."""
    device = make_device()
    device.push(
        [
            CustomerRegistered(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id="c1",
                first_name="Zélie",
                email="Zelie@Example.org",
            ),
            CardLinked(device_id=device.device_id, seq=device.next_seq(), customer_id="c1", card_uid="CARD-1"),
            PointsEarned(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id="c1",
                receipt_ref="r1",
                amount_cents=1000,
                points=10,
            ),
        ]
    )
    return device


def _earned_events(engine):
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(events).where(events.c.type == "PointsEarned")).scalar_one()


def test_the_same_order_sent_twice_credits_once_with_the_same_answer(client, engine, shopper):
    _, key = _key(engine)
    order = {"order_id": "WEB-1001", "card_number": "CARD-1", "amount_cents": 4599}
    first = client.post("/api/orders/earn", json=order, headers=_auth(key))
    assert first.status_code == 200, first.json
    assert first.json["points"] == 45 and first.json["balance"] == 55
    assert first.headers["Idempotent-Replayed"] == "false"
    again = client.post("/api/orders/earn", json=order, headers=_auth(key))
    assert again.status_code == 200 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _earned_events(engine) == 2  # the till sale and one order
    assert shopper.pull_all()["customers"]["c1"]["points"] == 55
    changed = client.post("/api/orders/earn", json=order | {"amount_cents": 9999}, headers=_auth(key))
    assert changed.status_code == 409 and changed.json["error"] == "OrderConflict"
    # Another channel may use the same order number for its own order.
    _, catalogue = _key(engine, "catalogue")
    other = client.post("/api/orders/earn", json=order, headers=_auth(catalogue))
    assert other.status_code == 200 and other.json["balance"] == 100


def test_an_order_by_e_mail_earns_on_the_tills_scale_and_caps(client, engine, admin, shopper):
    rules = {"base_points": 2, "per_cents": 100, "categories": {"books": 300}, "receipt_cap": 500, "daily_cap": 600}
    assert client.put("/api/admin/earning-rules", json=rules, headers=admin).status_code == 200
    _, key = _key(engine)
    by_email = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-1", "email": " zelie@example.ORG", "lines": {"books": 1000, "general": 1050}},
    )
    assert by_email.status_code == 200, by_email.json
    assert by_email.json["points"] == 60 + 21 and by_email.json["capped_by"] is None
    big = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-2", "card_number": "CARD-1", "amount_cents": 50_000},
    )
    assert big.json["points"] == 500 and big.json["capped_by"] == "receipt"
    rest = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-3", "card_number": "CARD-1", "amount_cents": 50_000},
    )
    assert rest.json["points"] == 600 - 10 - 81 - 500 and rest.json["capped_by"] == "day"
    unknown = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-4", "email": "nobody@example.org", "amount_cents": 100},
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize("amount", [10_000_001, -1, True, 12.5, "100"])
def test_order_amounts_are_bounded_like_the_devices(client, engine, shopper, amount):
    _, key = _key(engine)
    response = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-9", "card_number": "CARD-1", "amount_cents": amount},
    )
    assert response.status_code == 422 and "cents" in response.json["message"]
    lines = client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-9", "card_number": "CARD-1", "lines": {"general": amount}},
    )
    assert lines.status_code == 422
    assert _earned_events(engine) == 1
    fine = client.post(
        "/api/orders/earn", headers=_auth(key), json={"order_id": "W-9", "card_number": "CARD-1", "amount_cents": 100}
    )
    assert fine.status_code == 200  # the refused attempts kept nothing, not even the order id


def test_a_refund_takes_back_its_share_once_per_refund_id(client, engine, shopper):
    _, key = _key(engine)
    client.post(
        "/api/orders/earn",
        headers=_auth(key),
        json={"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 10_000},
    )
    part = {"order_id": "W-1", "refund_id": "R-1", "refund_cents": 2500}
    first = client.post("/api/orders/refund", headers=_auth(key), json=part)
    assert first.status_code == 200, first.json
    assert first.json["points_reversed"] == 25 and first.json["balance"] == 85
    again = client.post("/api/orders/refund", headers=_auth(key), json=part)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    rest = client.post("/api/orders/refund", headers=_auth(key), json={"order_id": "W-1", "refund_id": "R-2"})
    assert rest.json["points_reversed"] == 75 and rest.json["balance"] == 10
    more = client.post("/api/orders/refund", headers=_auth(key), json={"order_id": "W-1", "refund_id": "R-3"})
    assert more.status_code == 422 and more.json["error"] == "NothingToReverse"
    unknown = client.post("/api/orders/refund", headers=_auth(key), json={"order_id": "W-404", "refund_id": "R-1"})
    assert unknown.status_code == 422 and unknown.json["error"] == "UnknownReceipt"
    assert shopper.pull_all()["customers"]["c1"]["points"] == 10


def test_a_revoked_key_is_refused_at_once(client, engine, shopper):
    made, key = _key(engine)
    order = {"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 100}
    assert client.post("/api/orders/earn", json=order, headers=_auth(key)).status_code == 200
    in_transaction(engine, lambda c: channel_keys.revoke_key(c, made.key_id))
    refused = client.post("/api/orders/earn", json=order | {"order_id": "W-2"}, headers=_auth(key))
    assert refused.status_code == 401 and "revoked" in refused.json["message"]
    assert client.post("/api/orders/earn", json=order, headers=_auth(key[:-1] + "x")).status_code == 401
    assert client.post("/api/orders/earn", json=order).status_code == 401


def test_a_key_without_the_refund_scope_cannot_refund(client, engine, shopper):
    _, key = _key(engine, scopes=("earn",))
    assert (
        client.post(
            "/api/orders/earn",
            headers=_auth(key),
            json={"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 1000},
        ).status_code
        == 200
    )
    refused = client.post("/api/orders/refund", headers=_auth(key), json={"order_id": "W-1", "refund_id": "R-1"})
    assert refused.status_code == 403 and refused.json["error"] == "KeyScopeRefused"
    assert client.post("/api/orders/lookup", headers=_auth(key), json={"card_number": "CARD-1"}).status_code == 403
    assert shopper.pull_all()["customers"]["c1"]["points"] == 20


def test_lookup_gives_the_balance_and_no_personal_data(client, engine, shopper):
    _, key = _key(engine, scopes=("lookup",))
    found = client.post("/api/orders/lookup", headers=_auth(key), json={"card_number": "CARD-1"})
    assert found.json == {"known": True, "card_number": "CARD-1", "balance": 10}
    assert client.post("/api/orders/lookup", headers=_auth(key), json={"card_number": "NOPE"}).status_code == 404


def test_a_key_is_rate_limited_per_minute(client, engine, shopper):
    _, key = _key(engine, scopes=("lookup",), rate=2)
    for _ in range(2):
        assert client.post("/api/orders/lookup", headers=_auth(key), json={"card_number": "CARD-1"}).status_code == 200
    limited = client.post("/api/orders/lookup", headers=_auth(key), json={"card_number": "CARD-1"})
    assert limited.status_code == 429 and limited.headers["Retry-After"]


def test_a_blocked_card_earns_nothing(client, engine, admin, shopper):
    _, key = _key(engine)
    client.post("/api/admin/cards/CARD-1/block", json={"reason": "lost"}, headers=admin)
    refused = client.post(
        "/api/orders/earn", headers=_auth(key), json={"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 1000}
    )
    assert refused.status_code == 409 and "blocked" in refused.json["message"]


def _signed(client, key_id, secret, payload, timestamp=None):
    import json
    import time

    from central.order_webhooks import sign

    body = json.dumps(payload).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return client.post(
        "/api/orders/webhook",
        data=body,
        content_type="application/json",
        headers={
            "X-Loyalty-Key": key_id,
            "X-Loyalty-Timestamp": str(timestamp),
            "X-Loyalty-Signature": sign(secret, timestamp, body),
        },
    )


def test_a_signed_webhook_credits_an_order_once_and_an_altered_or_old_one_is_refused(client, engine, shopper):
    import time

    from central.order_webhooks import webhook_secret

    made, _ = _key(engine, scopes=("earn",))
    secret = in_transaction(engine, lambda c: webhook_secret(c, made.key_id))
    paid = {"event": "order.paid", "data": {"order_id": "CAT-7", "card_number": "CARD-1", "amount_cents": 3000}}
    first = _signed(client, made.key_id, secret, paid)
    assert first.status_code == 200, first.json
    assert first.json["points"] == 30 and first.json["balance"] == 40
    assert _signed(client, made.key_id, secret, paid).json == first.json
    forged = _signed(client, made.key_id, "whsec_guess", paid | {"data": paid["data"] | {"order_id": "CAT-8"}})
    assert forged.status_code == 401
    stale = _signed(
        client,
        made.key_id,
        secret,
        {"event": "order.paid", "data": paid["data"] | {"order_id": "CAT-9"}},
        timestamp=int(time.time()) - 3600,
    )
    assert stale.status_code == 401 and "timestamp" in stale.json["message"]
    refund = _signed(
        client, made.key_id, secret, {"event": "order.refunded", "data": {"order_id": "CAT-7", "refund_id": "R1"}}
    )
    assert refund.status_code == 403
    assert shopper.pull_all()["customers"]["c1"]["points"] == 40


def test_a_pool_member_gives_the_pool_its_share_of_an_order_and_gets_it_back_on_refund(client, engine, admin, shopper):
    assert client.put("/api/admin/pools/famille/members/c1", json={"share_pct": 50}, headers=admin).status_code == 200
    _, key = _key(engine)
    earned = client.post(
        "/api/orders/earn", headers=_auth(key), json={"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 4000}
    )
    assert earned.json["points"] == 40 and earned.json["pool_points"] == 20 and earned.json["balance"] == 30
    assert client.get("/api/admin/pools/famille", headers=admin).json["points"] == 20
    refunded = client.post("/api/orders/refund", headers=_auth(key), json={"order_id": "W-1", "refund_id": "R-1"})
    # The refund follows the tills' rules for a contributing earn (`loyalty.domain.pools.give_back`).
    back, taken = refunded.json["pool_points_returned"], refunded.json["points_reversed"]
    assert back > 0 and taken > 0 and refunded.json["balance"] == 30 - taken + back
    assert client.get("/api/admin/pools/famille", headers=admin).json["points"] == 20 - back
