"""Catalogue, cashiers and earning rules: checked when set, then pulled by every device like customers."""

from __future__ import annotations

import json

from loyalty.cashiers import verify_pin
from loyalty.wire import batch_from_record


def test_reference_data_travels_through_the_pull_cursor(make_device, client, admin):
    device = make_device()
    put = client.put
    assert (
        put(
            "/api/admin/catalogue/mug",
            json={"kind": "in_house", "name": "Mug", "points_price": 300, "stock": 12},
            headers=admin,
        ).status_code
        == 200
    )
    assert (
        put(
            "/api/admin/catalogue/hv20",
            json={
                "kind": "partner_voucher",
                "name": "Holiday 20 €",
                "points_price": 2000,
                "partner": "holiday",
                "face_value_cents": 2000,
            },
            headers=admin,
        ).status_code
        == 200
    )
    assert (
        put(
            "/api/admin/cashiers/c-01", json={"name": "Inès", "role": "cashier", "pin": "4821"}, headers=admin
        ).status_code
        == 200
    )
    rules = {
        "base_points": 2,
        "per_cents": 100,
        "categories": {"bio": 150},
        "promotions": [{"name": "Noël", "starts": "2026-12-14", "ends": "2026-12-24", "multiplier_pct": 200}],
    }
    assert put("/api/admin/earning-rules", json=rules, headers=admin).status_code == 200
    page = device.pull(0, 2)
    assert page["more"] is True
    cursor, collected = 0, []
    while True:
        page = device.pull(cursor, 2)
        collected.append(batch_from_record(page))
        cursor = page["cursor"]
        if not page["more"]:
            break
    rewards = {r.reward_id: r for b in collected for r in b.rewards}
    assert rewards["mug"].stock == 12 and rewards["hv20"].partner == "holiday"
    (cashier,) = [c for b in collected for c in b.cashiers]
    assert verify_pin("4821", cashier.pin_hash) and "4821" not in cashier.pin_hash
    (setting,) = [s for b in collected for s in b.settings if s.key == "earning_rules"]
    assert json.loads(setting.value_json) == rules
    # A change later comes back alone, from the cursor reached.
    put(
        "/api/admin/catalogue/mug",
        json={"kind": "in_house", "name": "Mug", "points_price": 300, "stock": 11, "active": False},
        headers=admin,
    )
    later = batch_from_record(device.pull(cursor, 10))
    assert [(r.reward_id, r.stock, r.active) for r in later.rewards] == [("mug", 11, False)]


def test_bad_reference_data_is_refused_with_a_reason(client, admin):
    put = client.put
    cases = [
        ("/api/admin/catalogue/mug", {"kind": "gift", "name": "Mug", "points_price": 3}, "kind"),
        ("/api/admin/catalogue/mug", {"kind": "in_house", "name": "Mug", "points_price": 0}, "at least one point"),
        ("/api/admin/catalogue/hv", {"kind": "partner_voucher", "name": "V", "points_price": 5}, "partner"),
        ("/api/admin/cashiers/c1", {"name": "Inès", "role": "boss", "pin": "1234"}, "role"),
        ("/api/admin/cashiers/c1", {"name": "Inès", "role": "cashier", "pin": "12"}, "PIN"),
        ("/api/admin/earning-rules", {"per_cents": 0}, "per_cents"),
        (
            "/api/admin/earning-rules",
            {"promotions": [{"name": "x", "starts": "soon", "ends": "2026-01-01", "multiplier_pct": 1}]},
            "YYYY-MM-DD",
        ),
        ("/api/admin/earning-rules", {"bonus": 1}, "unknown key"),
    ]
    for path, body, words in cases:
        response = put(path, json=body, headers=admin)
        assert response.status_code == 400, (path, body)
        assert words in response.json["message"], response.json
