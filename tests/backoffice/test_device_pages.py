"""Per-device page: the onboarding checklist follows what central has seen from the device."""

from datetime import date

from central.backoffice import rules
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CustomerRegistered, PointsEarned


def _checklist(page: str) -> dict[str, bool]:
    import re

    return {key: state == "done" for key, state in re.findall(r'data-key="(\w+)" class="(done|todo)"', page)}


def test_checklist_and_today_follow_the_device(office, engine):
    enrol_device(engine, "till-7")
    page = office.get("/backoffice/devices/till-7").get_data(as_text=True)
    assert _checklist(page) == {
        "enrolled": True,
        "synced": False,
        "rules": False,
        "cashiers": False,
        "first_earn": False,
        "first_registration": False,
    }
    in_transaction(engine, lambda c: rules.save_version(c, "anna", rules.DEFAULT_RULES, date.today(), date.today()))
    office.post("/backoffice/cashiers/", {"cashier_id": "c-1", "name": "Exemple", "role": "cashier", "pin": "1234"})
    now = f"{date.today().isoformat()}T10:00:00+01:00"
    batch = [
        CustomerRegistered(
            device_id="till-7", seq=1, at=now, cashier_id="c-1", customer_id="k1", first_name="Invented"
        ),
        PointsEarned(
            device_id="till-7",
            seq=2,
            at=now,
            cashier_id="c-1",
            customer_id="k1",
            receipt_ref="R1",
            amount_cents=4790,
            points=47,
        ),
    ]
    in_transaction(engine, lambda c: ingest(c, batch, None))
    page = office.get("/backoffice/devices/till-7?lang=en").get_data(as_text=True)
    checklist = _checklist(page)
    assert checklist.pop("synced") is False  # only a real pull marks it
    assert all(checklist.values())
    assert "c-1: 1 / 1" in page and "Invented" not in page
    assert "Points earned" in page and "47" in page
    assert "This store: as the chain (suggested)" in page
    listing = office.get("/backoffice/devices/").get_data(as_text=True)
    assert 'data-id="till-7"' in listing
    assert office.get("/backoffice/devices/nowhere").status_code == 404


def test_events_central_refused_show_on_the_device_page(office, app, engine):
    token = enrol_device(engine, "till-7")
    erase = {
        "type": "CustomerErased",
        "event_id": "5d9f4a8e-2b0c-4d5e-9a41-3f7a2c1b0e99",
        "device_id": "till-7",
        "seq": 1,
        "at": "2026-03-02T10:00:00+01:00",
        "cashier_id": None,
        "customer_id": "k1",
    }
    response = app.test_client().post(
        "/api/sync/push", json={"events": [erase]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    page = office.get("/backoffice/devices/till-7?lang=en").get_data(as_text=True)
    section = page[page.index('id="push-refusals"') :]
    assert "CustomerErased" in section and erase["event_id"] in section and "only central" in section
