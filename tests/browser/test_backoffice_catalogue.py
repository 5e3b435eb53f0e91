"""Catalogue and cashier editors in Chromium, French and English: saved, refused with a reason, pulled."""

import pytest
from playwright.sync_api import expect

from central import vouchers
from central.backoffice import catalogue, staff
from central.transactions import in_transaction
from loyalty.cashiers import verify_pin
from tests.backoffice.conftest import MANAGER
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

WORDS = {
    "fr": {
        "catalogue": "Catalogue",
        "cashiers": "Caissiers",
        "low": "Stock bas",
        "create": "Créer le caissier",
        "reset": "Changer le code",
        "whole": "le prix en points doit être un nombre entier",
    },
    "en": {
        "catalogue": "Catalogue",
        "cashiers": "Cashiers",
        "low": "Low stock",
        "create": "Create the cashier",
        "reset": "Reset the PIN",
        "whole": "the points price must be a whole number",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_catalogue_editor(browser, running_central, lang, viewport):
    engine = running_central.engine
    in_transaction(engine, lambda c: vouchers.import_codes(c, "holidays", [("H1", 5000), ("H2", 5000)]))
    context, page = open_signed_in(browser, running_central, lang, viewport)
    try:
        page.get_by_role("link", name=WORDS[lang]["catalogue"]).first.click()
        form = page.locator("#reward-form")
        form.locator("input[name=reward_id]").fill("holiday-50")
        form.locator("select[name=kind]").select_option("partner_voucher")
        form.locator("input[name=name]").fill("Séjour <50 €>")
        form.locator("input[name=points_price]").fill("900")
        form.locator("input[name=partner]").fill("holidays")
        form.locator("input[name=face_value]").fill("50")
        form.locator("button[type=submit]").click()
        expect(page.locator("#saved")).to_be_visible()
        row = page.locator("#rewards tr[data-id='holiday-50']")
        assert "Séjour <50 €>" in row.inner_text() and "2 / 0" in row.inner_text()
        assert page.locator(".low-stock").inner_text().startswith(WORDS[lang]["low"])

        form = page.locator("#reward-form")
        form.locator("input[name=reward_id]").fill("mug")
        form.locator("input[name=name]").fill("Mug")
        form.locator("input[name=points_price]").fill("zero")
        form.locator("button[type=submit]").click()
        assert WORDS[lang]["whole"] in page.locator("#error").inner_text()
        assert [e.reward_id for e in in_transaction(engine, catalogue.list_entries)] == ["holiday-50"]
        assert fits_width(page)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "laptop"), ("en", "tablet")])
def test_cashier_editor(browser, running_central, lang, viewport):
    engine = running_central.engine
    context, page = open_signed_in(browser, running_central, lang, viewport, user=MANAGER)
    try:
        page.get_by_role("link", name=WORDS[lang]["cashiers"]).first.click()
        form = page.locator("#cashier-form")
        form.locator("input[name=cashier_id]").fill("c-7")
        form.locator("input[name=name]").fill("Invented Person")
        form.locator("input[name=pin]").fill("2468")
        form.get_by_role("button", name=WORDS[lang]["create"]).click()
        expect(page.locator("#done")).to_be_visible()
        row = page.locator("#cashiers tr[data-id='c-7']")
        row.locator("input[name=pin]").fill("1357")
        row.get_by_role("button", name=WORDS[lang]["reset"]).click()
        row = page.locator("#cashiers tr[data-id='c-7']")
        row.locator("select[name=mode]").select_option("required")
        row.locator("select[name=mode]").locator("xpath=..").locator("button").click()
        [cashier] = in_transaction(engine, staff.list_cashiers)
        assert cashier.capture_mode == "required"
        pin_hash = in_transaction(engine, lambda c: c.exec_driver_sql("SELECT pin_hash FROM cashiers").scalar())
        assert verify_pin("1357", pin_hash)
        assert fits_width(page)
    finally:
        context.close()
