"""A customer's recent operations from every device, for the kiosk: device token only, ids and amounts only."""

from __future__ import annotations

from loyalty.domain.events import CustomerRegistered, EarnReversed, PointsEarned, PointsRedeemed, VoucherIssued


def test_recent_operations_from_every_device_newest_first(client, make_device):
    till, kiosk = make_device("till-1"), make_device("kiosk-1")
    till.push([CustomerRegistered(device_id="till-1", seq=till.next_seq(), customer_id="ana", first_name="Ana")])
    earn = PointsEarned(
        device_id="till-1", seq=till.next_seq(), customer_id="ana", receipt_ref="R1", amount_cents=5000, points=50
    )
    till.push([earn])
    till.push(
        [
            EarnReversed(
                device_id="till-1",
                seq=till.next_seq(),
                customer_id="ana",
                earn_event_id=earn.event_id,
                receipt_ref="R1",
                refund_cents=1000,
                points=10,
            )
        ]
    )
    spent = PointsRedeemed(
        device_id="kiosk-1",
        seq=kiosk.next_seq(),
        customer_id="ana",
        reward_id="hol",
        reward_kind="partner_voucher",
        points=30,
    )
    voucher = VoucherIssued(
        device_id="kiosk-1",
        seq=kiosk.next_seq(),
        customer_id="ana",
        redemption_event_id=spent.event_id,
        partner="holiday",
        code="HV-123",
        face_value_cents=2000,
    )
    kiosk.push([spent])
    kiosk.push([voucher])
    response = client.get("/api/customers/ana/operations?limit=3", headers=kiosk.headers)
    assert response.status_code == 200, response.json
    ops = response.json["operations"]
    assert [(o["kind"], o["points"], o["code"]) for o in ops] == [
        ("voucher", 0, "HV-123"),
        ("redeemed", 30, None),
        ("reversed", 10, None),
    ]
    assert [o["event_id"] for o in ops] == [voucher.event_id, spent.event_id, ops[2]["event_id"]]
    everything = client.get("/api/customers/ana/operations", headers=till.headers).json["operations"]
    assert [o["kind"] for o in everything] == ["voucher", "redeemed", "reversed", "earned"]
    assert "Ana" not in str(everything)


def test_history_needs_a_device_token_a_known_customer_and_a_sane_limit(client, make_device):
    till = make_device()
    till.push([CustomerRegistered(device_id="till-1", seq=till.next_seq(), customer_id="ana", first_name="Ana")])
    assert client.get("/api/customers/ana/operations").status_code == 401
    assert client.get("/api/customers/ana/operations", headers={"Authorization": "Bearer nope"}).status_code == 401
    missing = client.get("/api/customers/nobody/operations", headers=till.headers)
    assert missing.status_code == 404 and "no customer" in missing.json["message"]
    for bad in ("0", "51", "x", "-1"):
        answer = client.get(f"/api/customers/ana/operations?limit={bad}", headers=till.headers)
        assert answer.status_code == 422, bad
