"""axe-core (shipped by axe-playwright-python) in Debian's Chromium: no violation on the screens people use.

The till's sign-in, sale and new-customer screens, the kiosk's idle and balance screens, and the back
office's main pages, in French and in English.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.backoffice_fixtures import open_signed_in, running_central  # noqa: F401
from tests.browser.test_kiosk_screen import Screens, kiosk, make_kiosk  # noqa: F401
from tests.browser.test_till_flows import (  # noqa: F401  (fixtures)
    KNOWN,
    UNKNOWN,
    key_amount,
    served,
    sign_in,
    tabs,
    tap,
    till_service,
)

pytestmark = pytest.mark.browser
AXE = Axe()


def violations(page) -> list[str]:
    """Each axe-core violation as 'rule: target' (empty when the page passes)."""
    results = AXE.run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


@pytest.mark.parametrize("cashier, pin", [("alice", "1234"), ("marc", "5678")])
def test_till_sign_in_sale_and_capture_screens_have_no_axe_violation(tabs, served, cashier, pin):
    till, _ = tabs
    till.goto(served + "/till/signin")
    assert violations(till) == []
    sign_in(till, served, cashier, pin)
    assert violations(till) == []
    key_amount(till, "1500")
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).not_to_have_text("")
    assert violations(till) == []
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    assert violations(till) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_kiosk_idle_and_balance_screens_have_no_axe_violation(browser, kiosk, lang):
    screens = Screens(browser, kiosk, lang)
    try:
        screens.screen("idle")
        assert violations(screens.page) == []
        screens.tap("A1B2C3D4")
        screens.page.bring_to_front()
        expect(screens.screen("balance").locator("#points")).to_have_text("140")
        assert violations(screens.page) == []
    finally:
        screens.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_back_office_main_pages_have_no_axe_violation(browser, running_central, lang):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    signin = context.new_page()
    signin.goto(f"{running_central.url}/backoffice/signin?lang={lang}")
    assert violations(signin) == []
    context.close()
    context, page = open_signed_in(browser, running_central, lang)
    try:
        found = {}
        for path in (
            "/backoffice/",
            "/backoffice/rules/",
            "/backoffice/catalogue/",
            "/backoffice/cashiers/",
            "/backoffice/reports/",
            "/backoffice/devices/",
            "/backoffice/users/",
            "/backoffice/terms/",
            "/backoffice/audit",
        ):
            page.goto(running_central.url + path)
            found[path] = violations(page)
        assert found == {path: [] for path in found}
    finally:
        context.close()
