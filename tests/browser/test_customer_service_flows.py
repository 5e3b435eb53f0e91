"""Customer service and the shopper's portal in Debian's Chromium, against central served on a local port.

A store manager finds a customer by phone, reads a history holding a web order and a till sale, merges a
duplicate made at the till (the till, after one sync, shows the merged balance when the duplicate's card is
tapped), and replaces a lost card. A shopper opens the receipt's QR link on a phone, completes the profile,
signs in with the code read from the SMTP sink, turns points into a holiday voucher and sees its code; a
used or expired link is refused in words.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from central import channel_keys, create_app
from central.backoffice import store_assignments
from central.embedded import serve_app
from central.ingest import ingest
from central.settings import CentralSettings
from central.transactions import in_transaction
from device.config import parse_config
from kiosk.runner import WebServer
from kiosk.service import KioskService
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned
from loyalty.profile_link import make_link_token
from tests.backoffice.conftest import MANAGER, add_users
from tests.browser.backoffice_fixtures import open_signed_in
from tests.browser.test_till_flows import sign_in, tap
from tests.central.smtp_sink import smtp_sink  # noqa: F401  (fixture)
from tests.waiting import wait_until
from web import create_app as create_till_app

pytestmark = pytest.mark.browser
DUPLICATE_CARD = "A1B2C3D4"


@pytest.fixture
def central(tmp_path, smtp_sink):
    sink, port = smtp_sink
    settings = CentralSettings(
        data_dir=str(tmp_path / "central"), smtp_host="127.0.0.1", smtp_port=port, admin_token="browser-admin"
    )
    running = serve_app(create_app(f"sqlite:///{tmp_path / 'central.db'}", settings=settings), threads=4)
    add_users(running.engine)
    yield running, sink
    running.stop()
    running.engine.dispose()


def _seed(central) -> tuple[str, str]:
    """Zélie (till sale 42 points, then a web order of 30), her duplicate made at the till (8 points)."""
    engine = central.engine
    token = central.enrol_device("till-north")
    central.enrol_device("till-seed")
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                CustomerRegistered(
                    device_id="till-seed",
                    seq=1,
                    customer_id="c1",
                    first_name="Zélie",
                    last_name="Marchal",
                    phone="06 12 34 56 78",
                ),
                CardLinked(device_id="till-seed", seq=2, customer_id="c1", card_uid="CARD-1"),
                PointsEarned(
                    device_id="till-seed",
                    seq=3,
                    customer_id="c1",
                    receipt_ref="T-1001",
                    amount_cents=4200,
                    points=42,
                    cashier_id="alice",
                ),
                CustomerRegistered(device_id="till-seed", seq=4, customer_id="dup", first_name="Zelie"),
                CardLinked(device_id="till-seed", seq=5, customer_id="dup", card_uid=DUPLICATE_CARD),
                PointsEarned(
                    device_id="till-seed",
                    seq=6,
                    customer_id="dup",
                    receipt_ref="T-1002",
                    amount_cents=800,
                    points=8,
                    cashier_id="alice",
                ),
            ],
            "till-seed",
        ),
    )
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", MANAGER[0], ["till-north", "till-seed"]))
    _, key = in_transaction(engine, lambda c: channel_keys.create_key(c, "web", "Boutique", ["earn"], "anna"))
    return token, key


def test_a_store_manager_finds_merges_and_replaces_and_the_till_learns_the_merge(browser, central, tmp_path):
    running, _ = central
    token, key = _seed(running)
    import json
    import urllib.request

    order = urllib.request.Request(
        f"{running.url}/api/orders/earn",
        method="POST",
        data=json.dumps({"order_id": "WEB-2026-0001", "card_number": "CARD-1", "amount_cents": 3000}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(order) as answer:
        assert json.load(answer)["balance"] == 72

    context, page = open_signed_in(browser, running, "fr", user=MANAGER)
    page.click("nav.sections >> text=Clients")
    page.fill("input[name=q]", "06 12 34 56 78")
    page.click("button[type=submit].primary")
    row = page.locator("#found tr[data-id=c1]")
    expect(row).to_contain_text("Marchal")
    expect(row).to_contain_text("••••••••78")  # masked for a store manager
    row.locator("a").click()
    expect(page.locator("#balance")).to_have_text("72")
    expect(page.locator("#history .op-PointsEarned")).to_have_count(2)
    expect(page.locator("#history")).to_contain_text("channel:web")
    expect(page.locator("#history")).to_contain_text("WEB-2026-0001")
    expect(page.locator("#history")).to_contain_text("T-1001")

    page.fill("#merge input[name=duplicate]", DUPLICATE_CARD)
    page.fill("#merge input[name=reason]", "doublon créé en caisse")
    page.click("#merge button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Doublon fusionné")
    expect(page.locator("#balance")).to_have_text("80")
    expect(page.locator(f"#cards tr[data-card={DUPLICATE_CARD}]")).to_contain_text("active")

    card_row = page.locator("#cards tr[data-card=CARD-1]")
    card_row.locator(".replace-card input[name=new_card_uid]").fill("CARD-2")
    card_row.locator(".replace-card input[name=reason]").fill("carte perdue")
    card_row.locator(".replace-card button").click()
    expect(page.locator("#done")).to_contain_text("Carte remplacée")
    expect(page.locator("#cards tr[data-card=CARD-1]")).to_contain_text("bloquée")
    expect(page.locator("#balance")).to_have_text("80")
    context.close()

    config = parse_config(
        {
            "device": {"id": "till-north", "role": "till", "name": "Caisse nord"},
            "paths": {"data_dir": str(tmp_path / "till")},
            "hardware": {"mode": "emulated"},
            "central": {"url": running.url, "interval_s": 1},
        }
    )
    (tmp_path / "till").mkdir()
    (tmp_path / "till" / "central.token").write_text(token)
    with KioskService.open(config) as till_service:
        till_service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        till_service.sync_now()
        wait_until(
            lambda: getattr(till_service.store.customer_by_card(DUPLICATE_CARD), "customer_id", None) == "c1",
            20,
            every_s=0.2,
            what="the merge did not reach the till",
        )
        server = WebServer(create_till_app(till_service), "127.0.0.1", 0).start()
        try:
            tills = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
            till, panel = tills.new_page(), tills.new_page()
            panel.goto(server.url.rstrip("/") + "/panel/")
            sign_in(till, server.url.rstrip("/"))
            tap((till, panel), DUPLICATE_CARD)
            expect(till.locator("#customer-points")).to_have_text("80")
            tills.close()
        finally:
            server.close()


def test_a_shopper_completes_the_profile_signs_in_and_gets_a_holiday_voucher(browser, central):
    running, sink = central
    token, _ = _seed(running)
    admin = {"Authorization": "Bearer browser-admin"}
    client = running.app.test_client()
    assert (
        client.put(
            "/api/admin/catalogue/vacances20",
            headers=admin,
            json={
                "kind": "partner_voucher",
                "name": "Chèque vacances 20 €",
                "points_price": 40,
                "partner": "vacances",
                "face_value_cents": 2000,
            },
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/admin/partners/vacances/codes",
            headers=admin,
            content_type="text/csv",
            data="code,face_value_cents\nVAC-7Q2M-91,2000\n",
        ).status_code
        == 200
    )
    link = f"{running.url}/portal/p/{make_link_token(token, 'till-north', 'c1')}"

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.goto(link)  # what the receipt's QR opens
    expect(phone.locator("h1")).to_contain_text("Complétez votre profil, Zélie")
    phone.fill("#email", "zelie@example.org")
    phone.check("#consent")
    phone.click("#save-profile")
    expect(phone.locator("#message")).to_contain_text("votre profil est complet")
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    phone.goto(link)  # the same QR scanned again
    expect(phone.locator("#message")).to_contain_text("Ce lien a déjà servi")
    phone.goto(f"{running.url}/portal/p/{make_link_token(token, 'till-north', 'c1', now_s=time.time() - 40 * 86400)}")
    expect(phone.locator("#message")).to_contain_text("Ce lien a expiré")

    phone.click("#to-signin")
    phone.fill("#card-number", "CARD-1")
    phone.click("#send-code")
    expect(phone.locator("#sent")).to_contain_text("z•••@example.org")
    code = re.search(r"\b(\d{6})\b", sink.wait_for(1).get_payload(decode=True).decode()).group(1)
    phone.fill("#code", code)
    phone.click("#signin")
    expect(phone.locator("#balance")).to_have_text("42")
    expect(phone.locator("#phone-card")).to_be_visible()
    phone.locator("li[data-reward=vacances20] button").click()
    expect(phone.locator("#voucher-code")).to_have_text("VAC-7Q2M-91")
    assert "VAC-7Q2M-91" in sink.wait_for(2).get_payload(decode=True).decode()
    phone.goto(f"{running.url}/portal/me")
    expect(phone.locator("#balance")).to_have_text("2")
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    worker = phone.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.active.scriptURL)")
    assert worker.endswith("/portal/sw.js")
    context.close()
