"""Central's training endpoint: a till's progress per cashier per drill, validated and stored once per drill."""

from __future__ import annotations

import json

import pytest

from central import training_progress
from central.devices import revoke
from central.transactions import in_transaction
from loyalty.drills import DRILLS, MAX_SCORE, MAX_SECONDS
from tests.central.conftest import Device


def _row(**changes):
    return {
        "cashier_id": "alice",
        "drill": "known_card",
        "best_score": 80,
        "best_seconds": 12.3,
        "first_done_at": "2026-12-01T09:00:00+01:00",
    } | changes


def _stored(engine, device_id=None):
    return in_transaction(
        engine,
        lambda c: [
            (r.device_id, r.cashier_id, r.drill, r.best_score, r.best_ms, r.first_done_at)
            for r in training_progress.stored_rows(c, device_id)
        ],
    )


def _post(client, device, rows):
    return client.post("/api/sync/training", json={"progress": rows}, headers=device.headers)


def test_progress_sent_again_replaces_it(client, engine):
    till = Device(client, engine, "store-a")
    answer = _post(client, till, [_row(), _row(drill="refund", best_score=100, best_seconds=8, first_done_at=None)])
    assert answer.status_code == 200 and answer.json == {"stored": 2}
    assert _post(client, till, [_row()]).json == {"stored": 1}  # the same again: nothing doubles
    assert _post(client, till, [_row(best_score=100, best_seconds=9.5)]).json == {"stored": 1}
    assert _stored(engine) == [
        ("store-a", "alice", "known_card", 100, 9500, "2026-12-01T09:00:00+01:00"),
        ("store-a", "alice", "refund", 100, 8000, None),
    ]


def test_devices_are_kept_apart(client, engine):
    a, b = Device(client, engine, "store-a"), Device(client, engine, "store-b")
    _post(client, a, [_row()])
    _post(client, b, [_row(best_score=60, best_seconds=30)])
    assert _stored(engine, "store-b") == [("store-b", "alice", "known_card", 60, 30000, "2026-12-01T09:00:00+01:00")]
    assert [r[0] for r in _stored(engine)] == ["store-a", "store-b"]


@pytest.mark.parametrize(
    "rows, message",
    [
        ("nope", "progress must be a list"),
        (["alice"], "must be an object"),
        ([_row(drill="juggling")], "drill must be one of"),
        ([_row(drill=None)], "drill must be one of"),
        ([_row(cashier_id="")], "cashier_id must be"),
        ([_row(cashier_id="x" * 65)], "cashier_id must be"),
        ([_row(cashier_id=7)], "cashier_id must be"),
        ([_row(best_score=101)], "best_score must be a whole number from 0 to 100"),
        ([_row(best_score=-20)], "best_score must be"),
        ([_row(best_score=True)], "best_score must be"),
        ([_row(best_score=80.0)], "best_score must be"),
        ([_row(best_score="80")], "best_score must be"),
        ([_row(best_seconds=-1)], "best_seconds must be a number"),
        ([_row(best_seconds=86400.5)], "best_seconds must be a number"),
        ([_row(best_seconds="12")], "best_seconds must be a number"),
        ([_row(best_seconds=False)], "best_seconds must be a number"),
        ([_row(first_done_at="yesterday")], "first_done_at must be"),
        ([_row(first_done_at=20261201)], "first_done_at must be"),
        ([_row(customer_id="c1")], "unknown field 'customer_id'"),
        ([_row(), _row()], "appear twice"),
    ],
)
def test_bad_progress_is_refused_and_nothing_is_stored(client, engine, rows, message):
    till = Device(client, engine, "store-a")
    body = [_row(cashier_id="ok")] + rows if isinstance(rows, list) else rows
    response = client.post("/api/sync/training", json={"progress": body}, headers=till.headers)
    assert response.status_code == 400 and message in response.json["message"]
    assert _stored(engine) == []


def test_not_a_number_is_refused(client, engine):
    till = Device(client, engine, "store-a")
    raw = json.dumps({"progress": [_row()]}).replace("12.3", "NaN")
    response = client.post("/api/sync/training", data=raw, headers={**till.headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and "best_seconds" in response.json["message"]
    assert client.post("/api/sync/training", data="not json", headers=till.headers).status_code == 400
    assert _stored(engine) == []


def test_only_an_enrolled_device_may_send_progress(client, engine):
    assert client.post("/api/sync/training", json={"progress": [_row()]}).status_code == 401
    assert (
        client.post(
            "/api/sync/training", json={"progress": [_row()]}, headers={"Authorization": "Bearer not-a-token"}
        ).status_code
        == 401
    )
    till = Device(client, engine, "store-a")
    assert _post(client, till, [_row()]).status_code == 200
    in_transaction(engine, lambda c: revoke(c, "store-a"))
    answer = _post(client, till, [_row(best_score=100)])
    assert answer.status_code == 401 and "revoked" in answer.json["message"]
    assert [r[3] for r in _stored(engine)] == [80]  # the revoked device changed nothing


def test_too_many_rows_are_refused(client, engine):
    till = Device(client, engine, "store-a")
    rows = [_row(cashier_id=f"c{n}") for n in range(training_progress.MAX_ROWS + 1)]
    assert _post(client, till, rows).status_code == 413
    assert _post(client, till, rows[:-1]).json == {"stored": training_progress.MAX_ROWS}


def test_the_documented_limits_are_the_enforced_ones(client):
    operation = client.get("/api/openapi.json").json["paths"]["/api/sync/training"]["post"]
    progress = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["progress"]
    row = progress["items"]["properties"]
    assert progress["maxItems"] == training_progress.MAX_ROWS
    assert row["drill"]["enum"] == list(DRILLS)
    assert (row["best_score"]["maximum"], row["best_seconds"]["maximum"]) == (MAX_SCORE, MAX_SECONDS)
    assert set(row) == set(training_progress.FIELDS)
