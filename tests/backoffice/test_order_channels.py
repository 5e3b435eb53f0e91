"""Head office makes and revokes the order systems' API keys, and reads points by channel."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from central.embedded import enrol_device
from central.schema import audit, channel_keys
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned, to_record

_KEY = re.compile(r'<code id="key-text">(lk_[^<]+)</code>')


def _till_sale(app, client):
    token = enrol_device(app.extensions["central.engine"], "till-1")
    events = [
        CustomerRegistered(device_id="till-1", seq=1, customer_id="c1", first_name="Zélie"),
        CardLinked(device_id="till-1", seq=2, customer_id="c1", card_uid="CARD-1"),
        PointsEarned(device_id="till-1", seq=3, customer_id="c1", receipt_ref="r1", amount_cents=700, points=7),
    ]
    response = client.post(
        "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_a_key_made_in_the_back_office_credits_orders_until_revoked(app, office, engine):
    _till_sale(app, office.client)
    page = office.post(
        "/backoffice/channels/keys", {"channel": "web", "name": "Boutique", "scope": ["earn"], "rate_per_minute": "100"}
    )
    assert page.status_code == 200
    key = _KEY.search(page.get_data(as_text=True)).group(1)
    assert "whsec_" in page.get_data(as_text=True)
    with engine.connect() as c:
        stored = c.execute(select(channel_keys)).one()
        secret = key[len("lk_") + len(stored.key_id) + 1 :]
        assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and stored.scopes == "earn"
        assert c.execute(select(audit.c.action)).scalars().all() == ["channel_key.create"]
    auth = {"Authorization": f"Bearer {key}"}
    earned = office.client.post(
        "/api/orders/earn", headers=auth, json={"order_id": "W-1", "card_number": "CARD-1", "amount_cents": 2000}
    )
    assert earned.status_code == 200 and earned.json["balance"] == 27
    listing = office.get("/backoffice/channels/?lang=en").get_data(as_text=True)
    assert key not in listing and f"lk_{stored.key_id}_" in listing
    assert re.search(r'data-channel="web"><td>Web shop</td><td class="num">20</td>', listing)
    assert re.search(r'data-channel="store"><td>Stores \(tills and kiosks\)</td><td class="num">7</td>', listing)
    csv = office.get("/backoffice/channels/points.csv").get_data(as_text=True)
    assert "web,20,0,1" in csv and "store,7,0,1" in csv
    assert office.post(f"/backoffice/channels/keys/{stored.key_id}/revoke").status_code == 200
    refused = office.client.post(
        "/api/orders/earn", headers=auth, json={"order_id": "W-2", "card_number": "CARD-1", "amount_cents": 2000}
    )
    assert refused.status_code == 401


def test_a_bad_key_form_is_refused_in_the_readers_language(office):
    office.get("/backoffice/channels/?lang=fr")
    page = office.post("/backoffice/channels/keys", {"channel": "web", "name": "Boutique", "rate_per_minute": "100"})
    assert page.status_code == 400 and "Cochez au moins une chose" in page.get_data(as_text=True)


def test_store_managers_see_their_stores_points_and_no_keys(app, manager):
    page = manager.get("/backoffice/channels/?lang=en").get_data(as_text=True)
    assert 'id="keys"' not in page and 'data-channel="web"' not in page
    assert (
        manager.post(
            "/backoffice/channels/keys", {"channel": "web", "name": "x", "scope": ["earn"], "rate_per_minute": "1"}
        ).status_code
        == 403
    )
