"""Central's adoption endpoint: a till's figures per cashier per day, validated and stored once per day."""

from __future__ import annotations

from datetime import date

import pytest

from central import cashier_figures
from central.transactions import in_transaction
from tests.central.conftest import Device


def _row(**changes):
    return {
        "day": "2026-11-03",
        "cashier_id": "alice",
        "operations": 10,
        "earns": 8,
        "unknown_cards": 4,
        "captured": 3,
        "skipped": 1,
        "redemptions": 1,
        "refunds": 1,
        "undos": 0,
        "op_ms_total": 24000,
        "timed_ops": 8,
    } | changes


def test_a_day_sent_again_replaces_it(client, engine):
    till = Device(client, engine, "store-a")
    post = lambda days: client.post("/api/sync/adoption", json={"days": days}, headers=till.headers)  # noqa: E731
    assert post([_row(), _row(cashier_id="bob", operations=2, timed_ops=2, op_ms_total=3000)]).json == {"stored": 2}
    assert post([_row(operations=12, earns=10, timed_ops=10, op_ms_total=30000)]).status_code == 200
    by_cashier, by_store = in_transaction(engine, lambda c: cashier_figures.adoption_rows(c, None, None))
    alice = {r.key: r for r in by_cashier}["alice"]
    assert (alice.operations, alice.timed_ops, alice.mean_op_s, alice.capture_rate_pct) == (12, 10, 3.0, 75.0)
    assert [(r.key, r.operations, r.timed_ops, r.op_ms_total) for r in by_store] == [("store-a", 14, 12, 33000)]


def test_stores_and_days_are_kept_apart_and_the_period_filters(client, engine):
    a, b = Device(client, engine, "store-a"), Device(client, engine, "store-b")
    client.post("/api/sync/adoption", json={"days": [_row(), _row(day="2026-11-04")]}, headers=a.headers)
    client.post("/api/sync/adoption", json={"days": [_row(op_ms_total=8000)]}, headers=b.headers)
    by_cashier, by_store = in_transaction(
        engine, lambda c: cashier_figures.adoption_rows(c, date(2026, 11, 3), date(2026, 11, 3))
    )
    assert [(r.key, r.operations, r.op_ms_total) for r in by_cashier] == [("alice", 20, 32000)]
    assert [(r.key, r.mean_op_s) for r in by_store] == [("store-a", 3.0), ("store-b", 1.0)]


@pytest.mark.parametrize(
    "days, message",
    [
        ("nope", "days must be a list"),
        ([_row(day="03/11/2026")], "day must be a date"),
        ([_row(day="2026-02-30")], "day must be a date"),
        ([_row(cashier_id="")], "cashier_id must be"),
        ([_row(operations=-1)], "operations must be a whole number"),
        ([_row(earns=True)], "earns must be a whole number"),
        ([_row(op_ms_total=1.5)], "op_ms_total must be a whole number"),
        ([_row(name="Alice")], "unknown field 'name'"),
        ([_row(), _row()], "appears twice"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_stored(client, engine, days, message):
    till = Device(client, engine, "store-a")
    response = client.post(
        "/api/sync/adoption",
        json={"days": [_row(cashier_id="ok")] + days if isinstance(days, list) else days},
        headers=till.headers,
    )
    assert response.status_code == 400 and message in response.json["message"]
    assert in_transaction(engine, lambda c: cashier_figures.adoption_rows(c, None, None)) == ((), ())


def test_only_an_enrolled_device_may_send_figures(client):
    assert client.post("/api/sync/adoption", json={"days": [_row()]}).status_code == 401
    assert (
        client.post(
            "/api/sync/adoption", json={"days": [_row()]}, headers={"Authorization": "Bearer not-a-token"}
        ).status_code
        == 401
    )


def test_too_many_rows_are_refused(client, engine):
    till = Device(client, engine, "store-a")
    days = [_row(cashier_id=f"c{n}") for n in range(cashier_figures.MAX_ROWS + 1)]
    assert client.post("/api/sync/adoption", json={"days": days}, headers=till.headers).status_code == 413
