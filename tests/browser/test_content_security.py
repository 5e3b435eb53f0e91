"""Under the strict Content-Security-Policy every app still works in Chromium: no inline script is
blocked, the till's PIN pad types, and the phone card page counts down and fetches its next code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from central.embedded import start_background
from central.settings import CentralSettings
from loyalty import phonecard
from loyalty.domain.events import CardLinked, CustomerRegistered, to_record
from tests.browser.test_till_flows import served, till_service  # noqa: F401  (fixtures)
from tests.central.databases import sqlite_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _watch_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_till_pin_pad_works_under_the_policy(browser, served):  # noqa: F811
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    page = context.new_page()
    violations = _watch_violations(page)
    response = page.goto(served + "/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    expect(page).to_have_url(re.compile(r"/till/signin$"))
    page.check("input[value=alice]")
    for digit in "1234":
        page.click(f".pinpad .key[data-key='{digit}']")
    expect(page.locator("#pin")).to_have_value("1234")
    page.click("#signin")
    expect(page.locator("#keypad")).to_be_visible()
    for path in ("/panel/", "/status"):
        page.goto(served + path)
    assert violations == []
    context.close()


def test_phone_card_page_refreshes_under_the_policy(browser, sqlite_url, tmp_path):  # noqa: F811
    central = start_background(
        sqlite_url,
        settings=CentralSettings(data_dir=str(tmp_path / "central")),
        phonecard_key=phonecard.new_private_key(),
    )
    try:
        token = central.enrol_device("kiosk-1")
        import httpx

        headers = {"Authorization": f"Bearer {token}"}
        events = [
            CustomerRegistered(device_id="kiosk-1", seq=1, customer_id="c-1", first_name="Ana"),
            CardLinked(device_id="kiosk-1", seq=2, customer_id="c-1", card_uid="04A1B2C3"),
        ]
        httpx.post(
            central.url + "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers=headers
        ).raise_for_status()
        path = httpx.post(central.url + "/api/phonecard/link", json={"card_uid": "04A1B2C3"}, headers=headers).json()[
            "path"
        ]
        context = browser.new_context()
        page = context.new_page()
        violations = _watch_violations(page)
        page.goto(central.url.rstrip("/") + path)
        first = page.locator("#left").inner_text()
        expect(page.locator("#left")).not_to_have_text(first, timeout=3000)  # the script runs
        page.goto(central.url.rstrip("/") + "/backoffice/signin")
        assert violations == []
        context.close()
    finally:
        central.stop()
        central.engine.dispose()
