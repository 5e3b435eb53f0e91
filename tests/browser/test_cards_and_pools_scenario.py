"""Cards and pools end to end in Debian's Chromium, as head office, shoppers and a cashier meet them.

A real central (back office, activation page), a till and a self-service kiosk on emulated hardware, each
syncing with central: head office makes a batch and imports the chip file, two shoppers activate their cards
online, head office makes a pool of the two by card number, one buys at the till (the pool is shown and printed),
the other spends the pool at the kiosk, a purchase is refunded and the pool gives its share back, and the
channel report counts the chip card.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from central.demo import seed_catalogue
from central.embedded import start_background
from central.settings import CentralSettings
from kiosk import demo
from kiosk.runner import WebServer
from kiosk.service import KioskService
from tests.backoffice.conftest import add_users
from tests.browser.backoffice_fixtures import open_signed_in
from web import create_app

pytestmark = pytest.mark.browser

CHIPS = ("04A1A2A3A4A5A6", "04B1B2B3B4B5B6")


@pytest.fixture
def chain(tmp_path):
    """Central, a till and a kiosk, enrolled, each with its web server on a free port (the configured ports are
    not used)."""
    central = start_background(
        f"sqlite:///{tmp_path / 'central.db'}", threads=4, settings=CentralSettings(data_dir=str(tmp_path / "central"))
    )
    add_users(central.engine)
    seed_catalogue(central.engine)
    key = demo.phone_card_key(central)
    till_config = demo.demo_config(tmp_path / "till", "127.0.0.1", 8080, central.url, key)
    kiosk_config = demo.demo_config(tmp_path / "kiosk", "127.0.0.1", 8081, central.url, key, role="kiosk")
    for config in (till_config, kiosk_config):
        demo.enrol_if_needed(config, central)
    with KioskService.open(till_config) as till, KioskService.open(kiosk_config) as kiosk:
        demo.add_demo_cashiers(till)
        kiosk_app = create_app(kiosk)
        servers = [WebServer(create_app(till), "127.0.0.1", 0).start(), WebServer(kiosk_app, "127.0.0.1", 0).start()]
        try:
            yield central, till, kiosk, [s.url.rstrip("/") for s in servers]
        finally:
            kiosk_app.extensions["kiosk.screen"].close()
            for server in servers:
                server.close()
    central.stop()
    central.engine.dispose()


def _tap(panel, uid: str, back) -> None:
    panel.bring_to_front()
    panel.fill("#card-uid", uid)
    panel.click("#present-card")
    expect(panel.locator("#card-on-reader")).to_have_text(uid)
    back.bring_to_front()


def _lift(panel, back) -> None:
    panel.bring_to_front()
    panel.click("#remove-card")
    expect(panel.locator("#card-on-reader")).to_have_text("none")
    back.bring_to_front()


def _spaced(number: str) -> str:
    return f"{number[0]} {number[1:7]} {number[7:]}"


def test_head_office_shoppers_and_a_cashier_use_cards_and_a_pool(browser, chain):
    central, till_service, kiosk_service, (till_url, kiosk_url) = chain

    # Head office: a batch for our shops, exported for production, and production's chip file imported.
    office_context, office = open_signed_in(browser, central, "fr")
    office.click("a[href$='/backoffice/card-batches/']")
    office.select_option("#channel", "company")
    office.fill("#size", "3")
    office.click("#create-batch")
    expect(office.locator("#done")).to_contain_text("3")
    row = office.locator("#batches tbody tr").first
    exported = office.request.get(central.url + row.locator("a.export").get_attribute("href")).text()
    cards = list(csv.DictReader(io.StringIO(exported)))[:2]
    production = "card_number,chip_uid\n" + "".join(
        f"{c['card_number']},{chip}\n" for c, chip in zip(cards, CHIPS, strict=True)
    )
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "production.csv", "mimeType": "text/csv", "buffer": production.encode()}]
    )
    row.locator(".chips-form button").click()
    expect(office.locator("#done")).to_contain_text("2")
    expect(office.locator("#batches tbody tr").first.locator(".chips")).to_have_text("2")

    # Two shoppers activate their cards on their phones, with the number as printed.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    phone = phone_context.new_page()
    for card, name in zip(cards, ("Ana", "Ben"), strict=True):
        phone.goto(central.url + "/activate")
        phone.fill("#card_number", _spaced(card["card_number"]))
        phone.fill("#activation_code", card["activation_code"])
        phone.fill("#first_name", name)
        phone.check("#consent")
        phone.click("#activate")
        expect(phone.locator("#done")).to_contain_text(name)
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    phone_context.close()

    # Head office makes a pool of the two, by card number: Ana gives half, Ben everything.
    office.click("a[href$='/backoffice/pools/']")
    office.fill("#pool-id", "famille-test")
    office.fill("#pool-member", _spaced(cards[0]["card_number"]))
    office.fill("#pool-share", "50")
    office.click("#create-pool")
    office.fill("#member", cards[1]["card_number"])
    office.fill("#share", "100")
    office.click("#add-member")
    expect(office.locator("#members tbody tr")).to_have_count(2)
    expect(office.locator("#members")).to_contain_text("Ana")

    for service in (till_service, kiosk_service):
        assert service.sync.sync_once().state == "idle"

    # Ana buys twice at the till with her chip: the pool is shown next to her points and printed.
    till_context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    till, till_panel = till_context.new_page(), till_context.new_page()
    till_panel.goto(till_url + "/panel/")
    till.goto(till_url + "/")
    till.check("input[value=alice]")
    for digit in "1234":
        till.click(f".pinpad .key[data-key='{digit}']")
    till.click("#signin")
    expect(till.locator("body")).to_have_attribute("data-live", "yes")
    refs = []
    for cents, pool_after in (("4500", "22"), ("20000", "122")):
        for digit in cents:
            till.click(f"#keypad .key[data-key='{digit}']")
        till.click("#sale-ok")
        _tap(till_panel, CHIPS[0], till)
        expect(till.locator("#customer-pool")).to_contain_text(f"famille-test : {pool_after} points (2 membres)")
        _lift(till_panel, till)
        refs.append(next(e.receipt_ref for e in reversed(till_service.store.pending()) if e.type == "PointsEarned"))
        till_panel.bring_to_front()
        expect(till_panel.locator("#receipts .receipt").nth(len(refs) - 1)).to_be_attached()  # no eval under CSP
        slip = till_panel.locator("#receipts .receipt").first.inner_text()
        assert re.search(rf"Cagnotte commune\s+{pool_after} pts", slip)
        till.bring_to_front()
    expect(till.locator("#customer-points")).to_have_text("123")
    till.click("#open-redeem")  # her own points and the pool's are both offered, each marked
    expect(till.locator("#rewards button[data-from-pool='1'][data-reward=coffee]")).to_contain_text("de la cagnotte")
    expect(till.locator("#rewards button[data-reward=coffee]:not([data-from-pool])")).to_have_count(1)
    till.click("#redeem .close")
    assert till_service.sync.sync_once().state == "idle"
    assert kiosk_service.sync.sync_once().state == "idle"

    # Ben, with no points of his own, spends the pool on a coffee at the kiosk.
    kiosk_context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    kiosk, kiosk_panel = kiosk_context.new_page(), kiosk_context.new_page()
    kiosk.goto(kiosk_url + "/kiosk/?lang=fr")
    expect(kiosk.locator("body")).to_have_attribute("data-live", "yes")
    kiosk_panel.goto(kiosk_url + "/panel/")
    _tap(kiosk_panel, CHIPS[1], kiosk)
    expect(kiosk.locator("#points")).to_have_text("0")
    expect(kiosk.locator("#pool-balance")).to_contain_text("122 points")
    kiosk.click("button[data-pool-reward=coffee]")
    expect(kiosk.locator("#confirm-pool")).to_contain_text("72")
    kiosk.click("#confirm-redeem")
    expect(kiosk.locator("#pool-left")).to_contain_text("72")
    assert kiosk_service.sync.sync_once().state == "idle"
    assert till_service.sync.sync_once().state == "idle"

    # The first purchase is refunded: Ana gives back her part, the pool its 22 points.
    till.click("#open-refund")
    till.fill("#refund-ref", refs[0])
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")  # the till asks before refunding
    expect(till.locator("#customer-points")).to_have_text("100")
    expect(till.locator("#customer-pool")).to_contain_text("famille-test : 50 points")
    assert till_service.sync.sync_once().state == "idle"
    office.reload()
    expect(office.locator("#pool-points")).to_contain_text("50")
    expect(office.locator("#history")).to_contain_text("rendu par un remboursement")

    # Cards by channel count the chip card: two cards activated, and both customers active today (Ana earned,
    # Ben spent the pool's points).
    office.goto(central.url + "/backoffice/reports?lang=en")
    company = office.locator("#channels tbody tr[data-key=company] td")
    expect(company.nth(1)).to_have_text("3")
    expect(company.nth(2)).to_have_text("2")
    expect(company.nth(3)).to_have_text("2")
    for context in (till_context, kiosk_context, office_context):
        context.close()
