"""Catalogue and cashier editors: saved through reference data so devices pull them, audited without
names or PINs, bad input refused with nothing changed."""

import json

import pytest
from sqlalchemy import select

from central import vouchers
from central.backoffice import audit, catalogue, staff, store_assignments
from central.embedded import enrol_device
from central.schema import cashiers
from central.transactions import in_transaction
from loyalty.cashiers import verify_pin

VOUCHER = {
    "reward_id": "holiday-50",
    "kind": "partner_voucher",
    "name": "Séjour 50 €",
    "points_price": "900",
    "partner": "holidays",
    "face_value": "50,00",
    "active": "on",
}
MUG = {"reward_id": "mug", "kind": "in_house", "name": "Mug", "points_price": "120", "stock": "40", "active": "on"}


def _pull(app):
    token = enrol_device(app.extensions["central.engine"], "till-9")
    return app.test_client().get("/api/sync/pull?cursor=0", headers={"Authorization": f"Bearer {token}"}).json


def test_rewards_are_saved_pulled_and_audited(office, app, engine):
    assert office.post("/backoffice/catalogue/", MUG).status_code == 302
    assert office.post("/backoffice/catalogue/", VOUCHER).status_code == 302
    assert office.post("/backoffice/catalogue/", MUG | {"points_price": "150"}).status_code == 302
    rewards = {r["reward_id"]: r for r in _pull(app)["rewards"]}
    assert rewards["mug"]["points_price"] == 150 and rewards["mug"]["stock"] == 40
    assert rewards["holiday-50"]["face_value_cents"] == 5000 and rewards["holiday-50"]["partner"] == "holidays"
    last = in_transaction(engine, lambda c: audit.recent(c, 1))[0]
    assert (last.action, last.subject, last.before["points_price"], last.after["points_price"]) == (
        "catalogue.save",
        "reward mug",
        120,
        150,
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"points_price": "0"}, "at least one point"),
        ({"face_value": ""}, "needs a partner and a face value"),
        ({"face_value": "12,345"}, "not an amount"),
        ({"reward_id": "bad id"}, "reward id"),
        ({"points_price": "-3"}, "whole number"),
    ],
)
def test_bad_rewards_are_refused_and_nothing_is_saved(office, engine, change, message):
    response = office.post("/backoffice/catalogue/", VOUCHER | change)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert in_transaction(engine, catalogue.list_entries) == []
    assert in_transaction(engine, lambda c: audit.recent(c)) == []


def test_a_pool_under_its_alert_level_is_flagged(office, engine):
    office.post("/backoffice/catalogue/", VOUCHER)
    in_transaction(engine, lambda c: vouchers.import_codes(c, "holidays", [(f"H{n:03d}", 5000) for n in range(12)]))
    assert "only 12 codes left for holidays" in office.get("/backoffice/catalogue/").get_data(as_text=True)
    assert office.post("/backoffice/catalogue/alerts", {"partner": "holidays", "alert_below": "5"}).status_code == 302
    page = office.get("/backoffice/catalogue/").get_data(as_text=True)
    assert "codes left for" not in page and "12 / 0" in page
    entry = in_transaction(engine, catalogue.list_entries)[0]
    assert (entry.pool_free, entry.alert_below, entry.low) == (12, 5, False)


def test_the_catalogue_is_for_head_office(manager):
    assert manager.get("/backoffice/catalogue/").status_code == 403
    assert manager.post("/backoffice/catalogue/", MUG).status_code == 403


def test_a_manager_creates_a_cashier_whose_pin_is_only_kept_hashed(manager, app, engine):
    response = manager.post(
        "/backoffice/cashiers/",
        {"cashier_id": "c-12", "name": "Zoé Exemple", "role": "cashier", "language": "fr", "pin": "4821"},
    )
    assert response.status_code == 302
    pulled = {c["cashier_id"]: c for c in _pull(app)["cashiers"]}
    assert pulled["c-12"]["role"] == "cashier" and verify_pin("4821", pulled["c-12"]["pin_hash"])
    assert manager.post("/backoffice/cashiers/c-12/pin", {"pin": "9930"}).status_code == 302
    stored = in_transaction(engine, lambda c: c.execute(select(cashiers.c.pin_hash)).scalar_one())
    assert verify_pin("9930", stored) and not verify_pin("4821", stored)
    assert manager.post("/backoffice/cashiers/c-12", {"role": "manager"}).status_code == 302
    row = in_transaction(engine, lambda c: c.execute(select(cashiers)).one())
    assert (row.role, row.active) == ("manager", False)
    trail = in_transaction(engine, lambda c: audit.recent(c))
    assert [e.action for e in trail] == ["cashier.update", "cashier.reset_pin", "cashier.create"]
    text = json.dumps([(e.subject, e.before, e.after) for e in trail])
    assert "Zoé" not in text and "4821" not in text and "9930" not in text
    assert trail[0].before == {"role": "cashier", "language": "fr", "active": True}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"pin": "12"}, "4 to 8 digits"),
        ({"role": "boss"}, "role must be one of"),
        ({"name": ""}, "name must be"),
        ({"cashier_id": "x y"}, "cashier id"),
    ],
)
def test_bad_cashiers_are_refused(manager, engine, change, message):
    form = {"cashier_id": "c-1", "name": "Exemple", "role": "cashier", "language": "fr", "pin": "1234"} | change
    response = manager.post("/backoffice/cashiers/", form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert in_transaction(engine, staff.list_cashiers) == []


def test_capture_modes_per_store_and_per_cashier_reach_devices(office, manager, app, engine):
    manager.post("/backoffice/cashiers/", {"cashier_id": "c-1", "name": "Exemple", "role": "cashier", "pin": "1234"})
    enrol_device(engine, "store-a")
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", "marc", ["store-a"]))
    assert office.post("/backoffice/cashiers/capture", {"scope": "default", "mode": "off"}).status_code == 302
    assert (
        manager.post(
            "/backoffice/cashiers/capture", {"scope": "stores", "key": "store-a", "mode": "required"}
        ).status_code
        == 302
    )
    assert (
        manager.post(
            "/backoffice/cashiers/capture", {"scope": "cashiers", "key": "c-1", "mode": "suggested"}
        ).status_code
        == 302
    )
    settings = {s["key"]: json.loads(s["value_json"]) for s in _pull(app)["settings"]}
    assert settings["capture_mode"] == {
        "default": "off",
        "stores": {"store-a": "required"},
        "cashiers": {"c-1": "suggested"},
    }
    manager.post("/backoffice/cashiers/capture", {"scope": "cashiers", "key": "c-1", "mode": "inherit"})
    assert in_transaction(engine, staff.capture_modes)["cashiers"] == {}
    refused = manager.post("/backoffice/cashiers/capture", {"scope": "cashiers", "key": "nobody", "mode": "off"})
    assert refused.status_code == 400
    assert office.post("/backoffice/cashiers/capture", {"scope": "default", "mode": "inherit"}).status_code == 400


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_reward_gets_a_picture_and_only_a_picture(office, engine):
    from io import BytesIO

    office.post("/backoffice/catalogue/", MUG)
    saved = office.post(
        "/backoffice/catalogue/mug/picture", {"picture": (BytesIO(PNG), "mug.png")}, content_type="multipart/form-data"
    )
    assert saved.status_code == 302
    shown = office.get("/backoffice/catalogue/mug/picture")
    assert (shown.mimetype, shown.data, shown.headers["X-Content-Type-Options"]) == ("image/png", PNG, "nosniff")
    for data, message in (
        (b"<svg onload=alert(1)>", "PNG or JPEG"),
        (b"\xff\xd8\xff" + b"\x00" * catalogue.MAX_PICTURE_BYTES, "at most"),
    ):
        refused = office.post(
            "/backoffice/catalogue/mug/picture",
            {"picture": (BytesIO(data), "x.jpg")},
            content_type="multipart/form-data",
        )
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert office.get("/backoffice/catalogue/mug/picture").data == PNG
    missing = office.post(
        "/backoffice/catalogue/nothing/picture",
        {"picture": (BytesIO(PNG), "a.png")},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400
    assert in_transaction(engine, lambda c: audit.recent(c, 1))[0].after["bytes"] == len(PNG)
