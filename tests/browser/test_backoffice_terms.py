"""Tiers and expiry page in Chromium, French and English: rules saved, refusals shown, expiry run."""

import pytest
from playwright.sync_api import expect

from central.backoffice import loyalty_terms
from central.transactions import in_transaction
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

WORDS = {
    "fr": (
        "Niveaux et expiration",
        "Enregistrer les niveaux",
        "Lancer l’expiration maintenant",
        "0 points expirés pour 0 clients.",
        "le premier niveau doit commencer à 0 point",
    ),
    "en": (
        "Tiers and expiry",
        "Save the tiers",
        "Run the expiry now",
        "0 points expired for 0 customers.",
        "the first tier must start at 0 points",
    ),
}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_tiers_and_expiry_page(browser, running_central, lang, viewport):
    heading, save_tiers, run, ran, refused = WORDS[lang]
    context, page = open_signed_in(browser, running_central, lang, viewport)
    try:
        page.get_by_role("link", name=heading).first.click()
        assert page.locator("h1").inner_text() == heading
        page.locator("#tiers-form textarea").fill("silver = 500")
        page.get_by_role("button", name=save_tiers).click()
        assert refused in page.locator("#error").inner_text()
        page.locator("#tiers-form textarea").fill("bronze = 0\nsilver = 500")
        page.get_by_role("button", name=save_tiers).click()
        expect(page.locator("#saved")).to_be_visible()
        stored = in_transaction(running_central.engine, lambda c: loyalty_terms.read_setting(c, "tiers"))
        assert [t["name"] for t in stored["tiers"]] == ["bronze", "silver"]
        page.locator("#expiry-form input[name=after_days]").fill("400")
        page.locator("#expiry-form button").click()
        page.get_by_role("button", name=run).click()
        assert page.locator("#ran").inner_text() == ran
        assert fits_width(page)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang, title", [("fr", "Liste de mise en route"), ("en", "Onboarding checklist")])
def test_device_page(browser, running_central, lang, title):
    running_central.enrol_device("till-3", "Caisse 3")
    context, page = open_signed_in(browser, running_central, lang, "tablet")
    try:
        page.get_by_role("link", name="Appareils" if lang == "fr" else "Devices").first.click()
        page.get_by_role("link", name="till-3").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        expect(page.locator("#checklist li.done")).to_have_count(1)  # enrolled, nothing more yet
        assert fits_width(page)
    finally:
        context.close()
