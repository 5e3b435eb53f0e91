"""Every back-office page a store-A manager can open, walked from the app's own URL map (so the next new
page is covered too): nothing of store B appears, whatever store the query string asks for."""

from __future__ import annotations

import re

import pytest

from central import cashier_figures, training_progress
from central.backoffice import store_assignments
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CustomerRegistered, PointsEarned

STORE_B = "till-bravo"
MARKERS = (STORE_B, "ghost-bravo", "Bravissima", "receipt-bravo")
CSVS = ("summary", "cashiers", "stores", "partners", "till-cashiers", "till-stores")


@pytest.fixture
def two_stores(app, engine):
    """Store A (marc's) and store B, each with operations, adoption figures, training rows and a refusal."""
    tokens = {}
    for store, cashier, name in (("till-alpha", "alice", "Alphonsine"), (STORE_B, "ghost-bravo", "Bravissima")):
        tokens[store] = enrol_device(engine, store)
        batch = [
            CustomerRegistered(
                device_id=store, seq=1, cashier_id=cashier, customer_id=f"cust-{store}", first_name=name
            ),
            PointsEarned(
                device_id=store,
                seq=2,
                cashier_id=cashier,
                customer_id=f"cust-{store}",
                receipt_ref=f"receipt-{store.split('-')[1]}",
                amount_cents=1200,
                points=12,
            ),
        ]
        in_transaction(engine, lambda c, batch=batch: ingest(c, batch, None))
        figures = cashier_figures.DayFigures(cashier, batch[0].day, operations=3, earns=2)
        in_transaction(engine, lambda c, s=store, f=figures: cashier_figures.store_rows(c, s, [f]))
        row = training_progress.DrillProgress(cashier, "earn", 3, 4000, None)
        in_transaction(engine, lambda c, s=store, r=row: training_progress.store_rows(c, s, [r]))
    refused = {
        "type": "PoolJoined",
        "event_id": "6b7f3c1e-9a2d-4b8e-8f10-2c3d4e5f6a7b",
        "device_id": STORE_B,
        "seq": 3,
        "at": "2026-03-02T10:00:00+01:00",
        "cashier_id": None,
        "pool_id": "p",
        "customer_id": "x",
        "share_pct": 10,
    }
    app.test_client().post(
        "/api/sync/push", json={"events": [refused]}, headers={"Authorization": f"Bearer {tokens[STORE_B]}"}
    )  # refused, noted (item 1)
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", "marc", ["till-alpha"]))


def _paths(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/backoffice") or "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if "<name>" in rule.rule:
            paths += [rule.rule.replace("<name>", name) for name in CSVS]
        else:
            paths.append(re.sub(r"<(?:[^:>]+:)?[^>]+>", STORE_B if "device" in rule.rule else "no-such-id", rule.rule))
    return paths


def test_a_store_manager_sees_nothing_of_another_store_anywhere(app, engine, two_stores, manager, office):
    paths = _paths(app)
    assert "/backoffice/cashiers/training.csv" in paths and "/backoffice/devices/till-bravo" in paths
    for path in paths:
        for query in ("", f"?store={STORE_B}", f"?store={STORE_B}&day=2026-03-02&lang=en"):
            response = manager.get(path + query)
            body = response.get_data(as_text=True)
            leaked = [m for m in MARKERS if m in body]
            assert leaked == [], f"{path}{query} ({response.status_code}) shows {leaked}"
    # head office does see store B, so the markers are real
    assert STORE_B in office.get("/backoffice/cashiers/training.csv").get_data(as_text=True)
    assert "ghost-bravo" in office.get("/backoffice/cashiers/").get_data(as_text=True)
