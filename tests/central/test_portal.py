"""The shopper's portal over real HTTP: the receipt's signed profile link, sign-in by a code read from the SMTP
sink, the account, and points turned into a partner voucher whose code leaves the pool exactly once."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from sqlalchemy import select

from central import create_app
from central.embedded import enrol_device
from central.schema import voucher_codes
from central.settings import CentralSettings
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned, to_record
from loyalty.profile_link import make_link_token
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)
from tests.central.smtp_sink import smtp_sink  # noqa: F401  (fixture)

ADMIN = {"Authorization": "Bearer portal-admin"}


class Shopper:
    """A phone's browser without JavaScript: keeps the cookie and the last page's CSRF token."""

    def __init__(self, client):
        self.client, self.token = client, None

    def get(self, path):
        response = self.client.get(path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        self.token = found.group(1) if found else self.token
        return response

    def post(self, path, data):
        return self.client.post(path, data={"csrf_token": self.token, **data})


@pytest.fixture
def central(database_url, smtp_sink, tmp_path):
    sink, port = smtp_sink
    settings = CentralSettings(
        data_dir=str(tmp_path), smtp_host="127.0.0.1", smtp_port=port, admin_token="portal-admin"
    )
    app = create_app(database_url, settings=settings)
    engine = app.extensions["central.engine"]
    token = enrol_device(engine, "till-1")
    client = app.test_client()
    events = [
        CustomerRegistered(device_id="till-1", seq=1, customer_id="c1", first_name="Zélie"),
        CardLinked(device_id="till-1", seq=2, customer_id="c1", card_uid="CARD-1"),
        PointsEarned(device_id="till-1", seq=3, customer_id="c1", receipt_ref="r1", amount_cents=12000, points=120),
    ]
    assert (
        client.post(
            "/api/sync/push",
            json={"events": [to_record(e) for e in events]},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 200
    )
    yield app, client, token, sink
    engine.dispose()


def _complete_profile(shopper, token):
    link = make_link_token(token, "till-1", "c1")
    assert shopper.get(f"/portal/p/{link}?lang=en").status_code == 200
    saved = shopper.post(f"/portal/p/{link}", {"email": "zelie@example.org", "last_name": "Marchal", "consent": "yes"})
    assert saved.status_code == 200 and "your profile is complete" in saved.get_data(as_text=True)
    return link


def _sign_in(shopper, sink, count=1):
    shopper.get("/portal/?lang=en")
    sent = shopper.post("/portal/code", {"card_number": "CARD-1"})
    assert sent.status_code == 200 and "z•••@example.org" in sent.get_data(as_text=True)
    mail = sink.wait_for(count)
    assert mail["To"] == "zelie@example.org"
    code = re.search(r"\b(\d{6})\b", mail.get_payload(decode=True).decode()).group(1)
    return code


def test_the_receipt_link_completes_the_profile_once_and_refuses_reuse_expiry_and_forgery(central):
    app, client, token, _ = central
    shopper = Shopper(client)
    link = _complete_profile(shopper, token)
    reused = shopper.post(f"/portal/p/{link}", {"email": "other@example.org", "consent": "yes"})
    assert reused.status_code == 400 and "already used" in reused.get_data(as_text=True)
    assert "already used" in shopper.get(f"/portal/p/{link}").get_data(as_text=True)
    expired = make_link_token(token, "till-1", "c1", now_s=time.time() - 40 * 86400)
    page = shopper.get(f"/portal/p/{expired}")
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    forged = make_link_token("not-the-till-token", "till-1", "c1")
    assert "not valid" in shopper.get(f"/portal/p/{forged}").get_data(as_text=True)
    assert shopper.get("/portal/p/c1").status_code == 400  # a bare customer id opens nothing
    french = shopper.get(f"/portal/p/{expired}?lang=fr").get_data(as_text=True)
    assert "Ce lien a expiré" in french


def test_sign_in_with_the_e_mailed_code_then_convert_points_into_a_voucher_once(central):
    app, client, token, sink = central
    assert (
        client.put(
            "/api/admin/catalogue/holiday",
            headers=ADMIN,
            json={
                "kind": "partner_voucher",
                "name": "Chèque vacances 20 €",
                "points_price": 100,
                "partner": "vacances",
                "face_value_cents": 2000,
            },
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/admin/partners/vacances/codes",
            headers=ADMIN,
            data="code,face_value_cents\nVAC-001,2000\nVAC-002,2000\n",
            content_type="text/csv",
        ).status_code
        == 200
    )
    shopper = Shopper(client)
    _complete_profile(shopper, token)
    code = _sign_in(shopper, sink)
    assert shopper.post("/portal/signin", {"card_number": "CARD-1", "code": code}).status_code == 302
    me = shopper.get("/portal/me").get_data(as_text=True)
    assert re.search(r'id="balance">120<', me) and 'id="phone-card"' in me
    request_id = re.search(r'name="request_id" value="([^"]+)"', me).group(1)
    first = shopper.post("/portal/vouchers", {"reward_id": "holiday", "request_id": request_id})
    again = shopper.post("/portal/vouchers", {"reward_id": "holiday", "request_id": request_id})
    shown = re.search(r'id="voucher-code">([^<]+)<', first.get_data(as_text=True)).group(1)
    assert shown == re.search(r'id="voucher-code">([^<]+)<', again.get_data(as_text=True)).group(1)
    assert shown in sink.wait_for(2).get_payload(decode=True).decode()
    assert re.search(r'id="balance">20<', shopper.get("/portal/me").get_data(as_text=True))
    with app.extensions["central.engine"].connect() as c:
        issued = c.execute(select(voucher_codes.c.code).where(voucher_codes.c.issued_at.is_not(None))).scalars().all()
    assert issued == [shown]
    short = shopper.post(
        "/portal/vouchers",
        {
            "reward_id": "holiday",
            "request_id": re.search(
                r'name="request_id" value="([^"]+)"', shopper.get("/portal/me").get_data(as_text=True)
            ).group(1),
        },
    )
    assert short.status_code == 409 and "you have 20" in short.get_data(as_text=True)


def test_wrong_codes_are_counted_and_a_used_code_is_gone(central):
    app, client, token, sink = central
    shopper = Shopper(client)
    _complete_profile(shopper, token)
    code = _sign_in(shopper, sink)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert shopper.post("/portal/signin", {"card_number": "CARD-1", "code": wrong}).status_code == 400
    refused = shopper.post("/portal/signin", {"card_number": "CARD-1", "code": code})
    assert refused.status_code == 400 and "tried too often" in refused.get_data(as_text=True)
    code = _sign_in(shopper, sink, count=2)
    assert shopper.post("/portal/signin", {"card_number": "CARD-1", "code": code}).status_code == 302
    assert shopper.post("/portal/signin", {"card_number": "CARD-1", "code": code}).status_code == 400


def test_consent_withdrawal_export_and_erasure_request(central):
    app, client, token, sink = central
    shopper = Shopper(client)
    _complete_profile(shopper, token)
    shopper.post("/portal/signin", {"card_number": "CARD-1", "code": _sign_in(shopper, sink)})
    shopper.get("/portal/me")
    assert shopper.post("/portal/consent/withdraw", {}).status_code == 302
    export = shopper.get("/portal/export.json")
    assert export.json["profile"]["email"] == "zelie@example.org"
    assert [c["granted"] for c in export.json["consent_history"]] == [True, False]
    assert shopper.post("/portal/erasure", {}).status_code == 302
    with app.extensions["central.engine"].connect() as c:
        from central.backoffice.customer_service import customer_file
        from central.schema import customers

        row = c.execute(select(customers).where(customers.c.customer_id == "c1")).one()
        assert customer_file(c, row, date.today()).erasure_requested_at  # head office sees the request


def test_the_portal_is_an_installable_app(central):
    _, client, _, _ = central
    manifest = client.get("/portal/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.json["start_url"] == "/portal/"
    assert "serviceWorker" not in client.get("/portal/").get_data(as_text=True)  # no inline script
    worker = client.get("/portal/sw.js")
    assert worker.status_code == 200 and "caches" in worker.get_data(as_text=True)


def test_the_phone_card_link_signs_in_and_a_forged_one_does_not(central):
    app, client, _, _ = central
    with app.test_request_context():
        from central import phonecard

        link = phonecard.link_token(phonecard.signing_key(), "CARD-1")
    shopper = Shopper(client)
    assert shopper.get(f"/portal/phone/{link}").status_code == 302
    assert re.search(r'id="balance">120<', shopper.get("/portal/me").get_data(as_text=True))
    forged = Shopper(app.test_client()).get(f"/portal/phone/{link[:-3]}abc?lang=en")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)


def test_a_customer_who_joined_without_a_first_name_is_greeted_without_one_and_gives_it_on_the_profile_link(
    central,
):
    """A till lets a customer join on their yes alone; the portal is where they may give their first name."""
    app, client, token, _ = central
    events = [
        CustomerRegistered(device_id="till-1", seq=4, customer_id="c2", first_name=""),
        CardLinked(device_id="till-1", seq=5, customer_id="c2", card_uid="CARD-2"),
    ]
    pushed = client.post(
        "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert pushed.status_code == 200
    with app.test_request_context():
        from central import phonecard

        link = phonecard.link_token(phonecard.signing_key(), "CARD-2")
    shopper = Shopper(client)
    assert shopper.get(f"/portal/phone/{link}?lang=fr").status_code == 302
    assert "<h1>Bonjour !</h1>" in shopper.get("/portal/me?lang=fr").get_data(as_text=True)
    profile = make_link_token(token, "till-1", "c2")
    assert shopper.get(f"/portal/p/{profile}?lang=en").status_code == 200
    saved = shopper.post(f"/portal/p/{profile}", {"first_name": "ZOÉ", "consent": "yes"})
    assert saved.status_code == 200
    assert "<h1>Hello Zoé</h1>" in shopper.get("/portal/me?lang=en").get_data(as_text=True)


def test_the_phone_card_page_leads_to_the_account(central):
    app, client, _, _ = central
    with app.test_request_context():
        from central import phonecard

        link = phonecard.link_token(phonecard.signing_key(), "CARD-1")
    page = client.get(f"/card/{link}").get_data(as_text=True)
    assert f'href="/portal/phone/{link}"' in page


def test_without_an_smtp_server_the_mail_goes_to_the_outbox_folder(sqlite_url, tmp_path):
    app = create_app(sqlite_url, settings=CentralSettings(data_dir=str(tmp_path), smtp_host=""))
    token = enrol_device(app.extensions["central.engine"], "till-1")
    client = app.test_client()
    events = [
        CustomerRegistered(device_id="till-1", seq=1, customer_id="c1", first_name="Zélie", email="zelie@example.org"),
        CardLinked(device_id="till-1", seq=2, customer_id="c1", card_uid="CARD-1"),
    ]
    client.post(
        "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers={"Authorization": f"Bearer {token}"}
    )
    shopper = Shopper(client)
    shopper.get("/portal/?lang=en")
    assert shopper.post("/portal/code", {"card_number": "CARD-1"}).status_code == 200
    sent = list((tmp_path / "mail-outbox").glob("*.eml"))
    assert len(sent) == 1 and "zelie@example.org" in sent[0].read_text()
    app.extensions["central.engine"].dispose()
