"""Malformed or oversized requests get a 4xx with a clear message, never a 500, and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from central.schema import events as events_table
from loyalty.domain.events import PointsEarned, to_record


def _count(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(events_table)).scalar_one()


def _earn(device_id="till-1", seq=1, **extra):
    return (
        to_record(
            PointsEarned(
                device_id=device_id, seq=seq, customer_id="c1", receipt_ref=f"r{seq}", amount_cents=100, points=1
            )
        )
        | extra
    )


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ("not json", 400, "JSON object"),
        ([], 400, "JSON object"),
        ({"events": "x"}, 400, "events must be a list"),
        ({"events": [{"type": "Nope"}]}, 400, "unknown event type"),
        ({"events": [_earn(), _earn(seq=2, points=-5)]}, 422, "event 1"),
        ({"events": [_earn(seq=2, extra_field=1)]}, 422, "unknown field"),
        ({"events": [_earn(device_id="till-2")]}, 422, "not the device"),
        ({"events": [_earn(seq=None)]}, 422, "seq"),
        ({"events": [_earn(customer_id="x" * 65)]}, 422, "customer_id"),
        ({"events": [_earn(event_id="not-a-uuid")]}, 400, "UUID"),
    ],
)
def test_bad_push_is_refused_and_stores_nothing(make_device, engine, body, status, words):
    device = make_device()
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = device.client.post("/api/sync/push", headers=device.headers, **kwargs)
    assert response.status_code == status
    assert words in response.json["message"]
    assert _count(engine) == 0


def test_too_many_events_is_413(make_device, engine):
    device = make_device()
    body = {"events": [_earn(seq=n) for n in range(1, 1002)]}
    response = device.client.post("/api/sync/push", json=body, headers=device.headers)
    assert response.status_code == 413 and "at most 1000" in response.json["message"]
    assert _count(engine) == 0


def test_oversized_body_is_413(make_device):
    device = make_device()
    response = device.client.post(
        "/api/sync/push",
        data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
        content_type="application/json",
        headers=device.headers,
    )
    assert response.status_code == 413 and response.json["error"] == "RequestEntityTooLarge"


@pytest.mark.parametrize("query", ["cursor=-1", "cursor=abc", "limit=0", "limit=999999"])
def test_bad_pull_query_is_400(make_device, query):
    device = make_device()
    response = device.client.get(f"/api/sync/pull?{query}", headers=device.headers)
    assert response.status_code == 400 and "must be a whole number" in response.json["message"]


def test_unknown_path_and_method_are_json_4xx(client):
    assert client.get("/api/nothing").json["error"] == "NotFound"
    response = client.get("/api/sync/push")
    assert response.status_code == 405 and response.json["message"]
