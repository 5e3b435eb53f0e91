"""What a device may say: central-only kinds refused, amounts bounded alike on both backends, one poisoned
event never holding back another device, and authentication before anything is read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from central.event_authority import AUTHORITY, CENTRAL
from central.schema import customers, events, push_refusals
from loyalty.domain.events import (
    EVENT_TYPES,
    CustomerErased,
    CustomerRegistered,
    PointsEarned,
    PointsExpired,
    PoolJoined,
    PoolLeft,
    to_record,
)


def _count(engine, table=events) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def _customer(engine, cid: str):
    with engine.connect() as c:
        return c.execute(select(customers).where(customers.c.customer_id == cid)).first()


def test_every_event_kind_has_one_authority():
    assert set(AUTHORITY) == set(EVENT_TYPES)
    assert {kind for kind, who in AUTHORITY.items() if who == CENTRAL} == {
        "CustomerErased",
        "PointsExpired",
        "PoolJoined",
        "PoolLeft",
        "PointsAdjusted",
        "PointsMoved",
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda d, s: CustomerErased(device_id=d, seq=s, customer_id="a-c1"),
        lambda d, s: PointsExpired(device_id=d, seq=s, customer_id="a-c1", points=5, through_day="2026-01-01"),
        lambda d, s: PoolJoined(device_id=d, seq=s, pool_id="p1", customer_id="a-c1", share_pct=100),
        lambda d, s: PoolLeft(device_id=d, seq=s, pool_id="p1", customer_id="a-c1"),
    ],
    ids=["erase", "expire", "pool-join", "pool-leave"],
)
def test_a_device_cannot_push_what_only_central_decides(make_device, engine, make):
    a, b = make_device("till-a"), make_device("till-b")
    a.push(
        [
            CustomerRegistered(
                device_id="till-a", seq=a.next_seq(), customer_id="a-c1", first_name="Lou", email="lou@example.org"
            )
        ]
    )
    stored = _count(engine)
    earn = PointsEarned(
        device_id="till-b", seq=b.next_seq(), customer_id="a-c1", receipt_ref="r1", amount_cents=500, points=5
    )
    bad = make("till-b", b.next_seq())
    answer = b.push([earn, bad], expect=422)
    assert answer["event_id"] == bad.event_id
    assert bad.type in answer["message"] and "only central" in answer["message"]
    assert _count(engine) == stored  # nothing of the batch, not even the good earn
    row = _customer(engine, "a-c1")
    assert not row.erased and row.email == "lou@example.org" and row.points == 0


def _earn_record(device, points: int, customer_id: str = "c1", **extra) -> dict:
    return to_record(
        PointsEarned(
            device_id=device.device_id,
            seq=device.next_seq(),
            customer_id=customer_id,
            receipt_ref=f"r{device.seq}",
            amount_cents=1000,
            points=1,
        )
    ) | {"points": points, **extra}


@pytest.mark.parametrize(
    ("field", "value"), [("points", 2**63 - 5), ("points", 10_000_001), ("amount_cents", 2**62), ("seq", 2**60)]
)
def test_amounts_beyond_the_wire_bounds_are_refused_alike_on_both_backends(make_device, engine, field, value):
    device = make_device("till-a")
    record = _earn_record(device, 10) | {field: value}
    response = device.client.post("/api/sync/push", json={"events": [record]}, headers=device.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["message"] and response.json["event_id"] == record["event_id"]
    assert _count(engine) == 0


def test_one_poisoned_event_never_blocks_another_device(make_device, engine):
    a, b = make_device("till-a"), make_device("till-b")
    poisoned = _earn_record(a, 2**63 - 5)
    for _ in range(2):  # retried: refused the same way each time
        response = a.client.post("/api/sync/push", json={"events": [poisoned]}, headers=a.headers)
        assert response.status_code == 422
    b.push(
        [
            PointsEarned(
                device_id="till-b", seq=b.next_seq(), customer_id="c1", receipt_ref="rb", amount_cents=1000, points=10
            )
        ]
    )
    assert _customer(engine, "c1").points == 10


def test_an_earn_above_the_rules_receipt_cap_is_refused(make_device, client, admin, engine):
    assert (
        client.put(
            "/api/admin/earning-rules", json={"base_points": 1, "per_cents": 100, "receipt_cap": 500}, headers=admin
        ).status_code
        == 200
    )
    device = make_device("till-a")
    device.push(
        [
            PointsEarned(
                device_id="till-a",
                seq=device.next_seq(),
                customer_id="c1",
                receipt_ref="r1",
                amount_cents=50_000,
                points=500,
            )
        ]
    )
    too_much = PointsEarned(
        device_id="till-a", seq=device.next_seq(), customer_id="c1", receipt_ref="r2", amount_cents=90_000, points=900
    )
    answer = device.push([too_much], expect=422)
    assert "cap of 500" in answer["message"] and answer["event_id"] == too_much.event_id


def test_the_refusal_is_noted_and_the_sequence_passes_over_it(make_device, engine):
    device = make_device("till-a")
    first = _earn_record(device, 5)
    refused = _earn_record(device, 2**40)
    third = _earn_record(device, 7)
    device.client.post("/api/sync/push", json={"events": [first]}, headers=device.headers)
    response = device.client.post("/api/sync/push", json={"events": [refused, third]}, headers=device.headers)
    assert response.status_code == 422
    response = device.client.post("/api/sync/push", json={"events": [third]}, headers=device.headers)
    assert response.status_code == 200 and response.json["seq_through"] == 3
    with engine.connect() as c:
        notes = c.execute(select(push_refusals)).all()
    assert [(n.device_id, n.event_id, n.seq, n.type) for n in notes] == [
        ("till-a", refused["event_id"], 2, "PointsEarned")
    ]


DEVICE_CALLS = [
    ("post", "/api/sync/push", {"events": "not a list"}),
    ("post", "/api/sync/training", {"progress": "x"}),
    ("post", "/api/sync/adoption", {"days": "x"}),
    ("post", "/api/vouchers/issue", {}),
    ("post", "/api/phonecard/link", {}),
    ("get", "/api/sync/pull?cursor=-1", None),
    ("get", "/api/sync/daily-summary?day=nope", None),
    ("get", "/api/customers/c1/operations?limit=x", None),
]


@pytest.mark.parametrize(("method", "path", "body"), DEVICE_CALLS)
def test_device_routes_authenticate_before_reading_anything(client, method, path, body):
    response = getattr(client, method)(path, json=body) if body is not None else getattr(client, method)(path)
    assert response.status_code == 401, response.json
    response = client.post("/api/sync/training", data=b"{" * 5000, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/enrol", "/api/sync/push"])
def test_deeply_nested_json_is_a_400(make_device, path):
    device = make_device()
    body = b"[" * 100_000 + b"]" * 100_000
    response = device.client.post(path, data=body, content_type="application/json", headers=device.headers)
    assert response.status_code == 400 and "nested deeper" in response.json["message"]
