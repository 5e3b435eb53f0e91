"""Central's phone card page: links only for registered cards, codes a device verifies with the public key."""

from __future__ import annotations

import re
import time

from central.phonecard import load_or_create_key
from loyalty import phonecard
from tests.central.conftest import ADMIN_TOKEN


def _link(client, device, card_uid):
    return client.post("/api/phonecard/link", json={"card_uid": card_uid}, headers=device.headers)


def test_public_key_is_published_and_matches_the_signing_key(client, signing_key):
    body = client.get("/api/phonecard/public-key").json
    assert body == {"public_key": phonecard.public_key_text(signing_key), "window_s": 60, "algorithm": "Ed25519"}


def test_card_page_shows_a_code_a_device_accepts_offline(client, device, card):
    link = _link(client, device, card)
    assert link.status_code == 200 and link.json["url"].endswith(link.json["path"])
    page = client.get(link.json["path"])
    assert page.status_code == 200 and "<svg" in page.text and "Loyalty card" in page.text
    code = client.get(link.json["path"] + "/code").json
    assert 1 <= code["seconds_left"] <= 60 and "<svg" in code["svg"]
    public_key = client.get("/api/phonecard/public-key").json["public_key"]
    verifier = phonecard.PhoneCardVerifier.from_text(public_key)
    assert verifier.identify_qr(code["code"], time.time()) == card


def test_link_needs_a_device_token_and_a_registered_card(client, device, card):
    assert client.post("/api/phonecard/link", json={"card_uid": card}).status_code == 401
    unknown = _link(client, device, "FFFF")
    assert unknown.status_code == 404 and "not registered" in unknown.json["message"]
    assert _link(client, device, "").status_code == 400


def test_an_altered_link_is_refused(client, device, card):
    path = _link(client, device, card).json["path"]
    token = path.rsplit("/", 1)[-1]
    other = token.replace(token[:4], "MDRB", 1) if not token.startswith("MDRB") else "QQ" + token[2:]
    assert client.get(f"/card/{other}/code").status_code == 422
    assert client.get("/card/garbage/code").status_code == 422


def test_a_blocked_card_gets_no_more_codes(client, device, card):
    path = _link(client, device, card).json["path"]
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.post(f"/api/admin/cards/{card}/block", json={"reason": "lost"}, headers=admin).status_code == 200
    refused = client.get(path + "/code")
    assert refused.status_code == 404 and "blocked" in refused.json["message"]


def test_signing_key_file_is_made_once_and_private(tmp_path):
    path = tmp_path / "keys" / "phonecard.pem"
    first = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert phonecard.public_key_text(load_or_create_key(path)) == phonecard.public_key_text(first)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", phonecard.public_key_text(first))


def test_card_page_shows_the_points_and_the_pool(client, device, card, app):
    from central import pools
    from loyalty.domain.events import PointsEarned, PoolContributed

    with app.extensions["central.engine"].begin() as connection:
        pools.set_member(connection, "famille-a", "c-1", 50, "head-office")
    earn = PointsEarned(
        device_id="kiosk-1", seq=device.next_seq(), customer_id="c-1", receipt_ref="R1", amount_cents=4500, points=45
    )
    device.push(
        [
            earn,
            PoolContributed(
                device_id="kiosk-1",
                seq=device.next_seq(),
                pool_id="famille-a",
                customer_id="c-1",
                earn_event_id=earn.event_id,
                points=22,
            ),
        ]
    )
    page = client.get(_link(client, device, card).json["path"]).text
    assert re.search(r'id="points">23 points<', page)
    assert "Cagnotte famille-a : 22 points" in page and "Pool famille-a: 22 points (1 members)" in page
