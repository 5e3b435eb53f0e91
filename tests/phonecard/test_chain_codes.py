"""Online, a phone card code counts once in the whole chain; a card page link can be replaced, and the
old one then stops opening the page."""

from __future__ import annotations

import time

import httpx
import pytest

from device.sync.client import CentralClient
from loyalty import phonecard
from loyalty.errors import PhoneCodeReplayed, SyncUnavailable
from tests.central.conftest import ADMIN_TOKEN, Device


def _verifier(app, device: Device, signing_key) -> phonecard.PhoneCardVerifier:
    token = device.headers["Authorization"].split()[1]
    client = CentralClient("http://central", token, transport=httpx.WSGITransport(app=app))
    return phonecard.PhoneCardVerifier(signing_key.public_key(), chain=client.accept_phone_code)


def test_a_code_accepted_at_one_till_is_refused_at_another(app, client, device, card, signing_key):
    other = Device(client, app.extensions["central.engine"], "till-2")
    code = phonecard.sign_code(signing_key, card, time.time())
    assert _verifier(app, device, signing_key).identify_qr(code, time.time()) == card
    with pytest.raises(PhoneCodeReplayed, match="another till"):
        _verifier(app, other, signing_key).identify_qr(code, time.time())
    fresh = phonecard.sign_code(signing_key, card, time.time())  # the phone's next code is fine
    assert _verifier(app, other, signing_key).identify_qr(fresh, time.time()) == card


def test_offline_the_device_rule_stands(signing_key):
    def unreachable(payload: str) -> None:
        raise SyncUnavailable("central could not be reached")

    verifier = phonecard.PhoneCardVerifier(signing_key.public_key(), chain=unreachable)
    code = phonecard.sign_code(signing_key, "04A1B2C3", time.time())
    assert verifier.identify_qr(code, time.time()) == "04A1B2C3"
    with pytest.raises(PhoneCodeReplayed):
        verifier.identify_qr(code, time.time())


def test_accept_needs_a_device_token_and_a_valid_code(client, device, card, signing_key):
    code = phonecard.sign_code(signing_key, card, time.time())
    assert client.post("/api/phonecard/accept", json={"code": code}).status_code == 401
    forged = phonecard.sign_code(phonecard.new_private_key(), card, time.time())
    answer = client.post("/api/phonecard/accept", json={"code": forged}, headers=device.headers)
    assert answer.status_code == 422


def _link(client, device, card) -> str:
    return client.post("/api/phonecard/link", json={"card_uid": card}, headers=device.headers).json["path"]


def test_the_customer_replaces_the_card_page_link(client, device, card):
    old = _link(client, device, card)
    moved = client.post(old + "/new-link")
    assert moved.status_code == 303
    new = moved.headers["Location"]
    assert client.get(new).status_code == 200 and client.get(new + "/code").status_code == 200
    refused = client.get(old + "/code")
    assert refused.status_code == 422 and "replaced" in refused.json["message"]
    assert client.post(old + "/new-link").status_code == 422  # an old link cannot rotate again
    assert _link(client, device, card).endswith(new.rsplit("/", 1)[-1])  # devices now show the new one


def test_the_back_office_replaces_a_card_link(client, device, card):
    old = _link(client, device, card)
    answer = client.post(f"/api/admin/cards/{card}/new-link", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200
    assert client.get(old + "/code").status_code == 422
    assert client.get(answer.json["path"] + "/code").status_code == 200
