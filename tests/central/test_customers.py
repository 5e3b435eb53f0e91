"""Data protection (export, erasure) and cards (blocklist, replacement keeping the balance)."""

from __future__ import annotations

import json

from sqlalchemy import select

from central.schema import audit, events
from loyalty.domain.events import CardLinked, ConsentChanged, CustomerRegistered, PointsEarned, ProfileUpdated


def _customer(device, cid="c1", card="CARD-1"):
    device.push(
        [
            CustomerRegistered(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=cid,
                first_name="Zélie",
                last_name="Marchal",
                email="zelie@example.org",
            ),
            ConsentChanged(
                device_id=device.device_id, seq=device.next_seq(), customer_id=cid, granted=True, text_version="v1"
            ),
            CardLinked(device_id=device.device_id, seq=device.next_seq(), customer_id=cid, card_uid=card),
            PointsEarned(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=cid,
                receipt_ref="r1",
                amount_cents=4200,
                points=42,
            ),
        ]
    )


def test_export_has_profile_cards_consent_and_events(make_device, client, admin):
    device = make_device()
    _customer(device)
    export = client.get("/api/admin/customers/c1/export", headers=admin).json
    assert export["profile"]["email"] == "zelie@example.org"
    assert export["points"] == 42
    assert export["cards"] == [{"card_uid": "CARD-1", "blocked": False}]
    assert [c["text_version"] for c in export["consent_history"]] == ["v1"]
    assert len(export["events"]) == 4
    assert client.get("/api/admin/customers/nobody/export", headers=admin).status_code == 404


def test_erasure_removes_personal_data_everywhere_and_keeps_amounts(make_device, client, admin, engine):
    device = make_device()
    _customer(device)
    assert client.post("/api/admin/customers/c1/erase", headers=admin).status_code == 200
    state = device.pull_all()
    assert "c1" in state["erased"] and "c1" not in state["customers"]
    # A profile update still in some till's outbox arrives after the erasure: stored without the data.
    device.push(
        [ProfileUpdated(device_id=device.device_id, seq=device.next_seq(), customer_id="c1", phone="0612345678")]
    )
    with engine.connect() as c:
        payloads = " ".join(c.execute(select(events.c.payload)).scalars())
        assert "Zélie" not in payloads and "Marchal" not in payloads and "zelie@" not in payloads
        assert "0612345678" not in payloads
        assert c.execute(select(audit.c.action, audit.c.subject)).all() == [("erase", "c1")]
    export = client.get("/api/admin/customers/c1/export", headers=admin).json
    assert export["erased"] is True and set(export["profile"].values()) == {None}
    assert export["points"] == 42 and len(export["consent_history"]) == 1
    assert "Zélie" not in json.dumps(export)


def test_block_then_replace_card_keeps_the_balance(make_device, client, admin):
    device = make_device()
    _customer(device)
    response = client.post("/api/admin/cards/CARD-1/replace", json={"new_card_uid": "CARD-2"}, headers=admin)
    assert response.status_code == 200 and response.json["customer_id"] == "c1"
    state = device.pull_all()
    assert state["cards"]["CARD-1"]["blocked"] is True
    assert state["cards"]["CARD-2"] == {"card_uid": "CARD-2", "customer_id": "c1", "blocked": False}
    assert state["customers"]["c1"]["points"] == 42
    taken = client.post("/api/admin/cards/CARD-2/replace", json={"new_card_uid": "CARD-1"}, headers=admin)
    assert taken.status_code == 409
    assert client.post("/api/admin/cards/NOPE/block", json={"reason": "lost"}, headers=admin).status_code == 404
    assert client.post("/api/admin/cards/CARD-2/block", json={}, headers=admin).status_code == 400
    assert client.post("/api/admin/cards/CARD-2/block", json={"reason": "stolen"}, headers=admin).status_code == 200
    assert device.pull_all()["cards"]["CARD-2"]["blocked"] is True
