"""A category's French and English names go from the back office to the till's buttons through one real sync:
head office sets them with the scale, the till pulls from central over HTTP, and the till page in Chromium shows
them to a French and to an English cashier."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from central.embedded import start_background
from central.settings import CentralSettings
from kiosk import demo
from kiosk.runner import WebServer
from kiosk.service import KioskService
from tests.backoffice.conftest import add_users
from tests.browser.backoffice_fixtures import open_signed_in
from web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def central_and_till(tmp_path):
    """Central with back-office accounts, and a till enrolled with it, served on a free port."""
    central = start_background(
        f"sqlite:///{tmp_path / 'central.db'}", threads=4, settings=CentralSettings(data_dir=str(tmp_path / "central"))
    )
    add_users(central.engine)
    config = demo.demo_config(tmp_path / "till", "127.0.0.1", 8080, central.url, demo.phone_card_key(central))
    demo.enrol_if_needed(config, central)
    try:
        with KioskService.open(config) as till:
            till.till.cashiers.add("Alice", "cashier", "1234", language="fr", cashier_id="alice")
            till.till.cashiers.add("Kim", "cashier", "2468", language="en", cashier_id="kim")
            server = WebServer(create_app(till), "127.0.0.1", 0).start()
            try:
                yield central, till, server.url.rstrip("/")
            finally:
                server.close()
    finally:
        central.stop()
        central.engine.dispose()


def _sign_in(page, base: str, cashier: str, pin: str) -> None:
    page.goto(base + "/till/signin")
    page.check(f"input[value={cashier}]")
    for digit in pin:
        page.click(f".pinpad .key[data-key='{digit}']")
    page.click("#signin")
    expect(page.locator("body")).to_have_attribute("data-live", "yes")


def test_names_set_in_the_back_office_reach_the_tills_buttons_through_a_sync(browser, central_and_till):
    central, till_service, till_url = central_and_till
    till_context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    till = till_context.new_page()
    _sign_in(till, till_url, "alice", "1234")
    expect(till.locator(".cat[data-cat=fresh]")).to_have_count(0)  # central has no such category yet
    till.click("#signout")

    office_context, office = open_signed_in(browser, central, "fr")
    try:
        office.get_by_role("link", name="Barème de points").first.click()
        office.locator("textarea[name=categories]").fill("fresh = 120; Frais du jour; Fresh today")
        office.locator("button[value=save]").click()
        expect(office.locator("#saved")).to_be_visible()
    finally:
        office_context.close()

    assert till_service.sync.sync_once().state == "idle"  # the till pulls the published scale over HTTP

    for cashier, pin, name in (("alice", "1234", "Frais du jour"), ("kim", "2468", "Fresh today")):
        _sign_in(till, till_url, cashier, pin)
        expect(till.locator(".cat[data-cat=fresh]")).to_have_text(name)
        till.click(".cat[data-cat=fresh]")
        for digit in "1000":
            till.click(f"#keypad .key[data-key='{digit}']")
        till.click("#add-line")
        expect(till.locator("#lines")).to_contain_text(re.compile(rf"{name}\s"))
        till.click("#sale-cancel")
        till.click("#signout")
    till_context.close()
