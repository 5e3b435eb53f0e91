"""The earning scale editor in Chromium, in French and English: live preview equal to the domain's quote,
a saved version reaching the pull, refusals shown in the page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from central.backoffice import rules
from central.transactions import in_transaction
from loyalty.domain.earning import EarningScale, Promotion, quote_earn
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

TEXTS = {
    "fr": {
        "heading": "Barème de points",
        "sentence": "Un ticket de 47,90 € dont 12,00 € en bakery le 2026-12-21 rapporte {points} points.",
        "saved": "La nouvelle version est enregistrée.",
        "refused": "catégorie, ligne 1 :",
    },
    "en": {
        "heading": "Earning scale",
        "sentence": "A 47,90 € receipt with 12,00 € of bakery on 2026-12-21 earns {points} points.",
        "saved": "The new version is saved.",
        "refused": "category line 1:",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_edit_preview_and_save_the_scale(browser, running_central, lang, viewport):
    context, page = open_signed_in(browser, running_central, lang, viewport)
    try:
        page.get_by_role("link", name=TEXTS[lang]["heading"]).first.click()
        assert page.locator("h1").inner_text() == TEXTS[lang]["heading"]
        page.locator("input[name=base_points]").fill("2")
        page.locator("textarea[name=categories]").fill("bakery = 150")
        page.locator("textarea[name=promotions]").fill("noel; 2026-12-20; 2026-12-24; 200; bakery")
        page.locator("input[name=receipt_cap]").fill("")
        page.locator("input[name=sample_total]").fill("47,90")
        page.locator("input[name=sample_category]").fill("bakery")
        page.locator("input[name=sample_category_amount]").fill("12")
        page.locator("input[name=sample_day]").fill("2026-12-21")
        scale = EarningScale(
            base_points=2,
            per_cents=100,
            category_multipliers_pct={"bakery": 150},
            promotions=(Promotion("noel", date(2026, 12, 20), date(2026, 12, 24), 200, frozenset({"bakery"})),),
        )
        expected = quote_earn(scale, {"bakery": 1200, "general": 3590}, date(2026, 12, 21)).points
        assert expected == 71 + 72
        preview = page.locator("#preview")
        expect(preview).to_have_attribute("data-points", str(expected))  # no eval: the page's CSP forbids it
        assert preview.inner_text() == TEXTS[lang]["sentence"].format(points=expected)

        page.locator("textarea[name=categories]").fill("bakery 150")
        expect(preview).to_have_class(re.compile(r"\binvalid\b"))
        assert TEXTS[lang]["refused"] in preview.inner_text()
        page.locator("button[value=save]").click()
        assert TEXTS[lang]["refused"] in page.locator("#error").inner_text()
        assert in_transaction(running_central.engine, rules.versions) == []

        page.locator("textarea[name=categories]").fill("bakery = 150")
        page.locator("button[value=save]").click()
        assert page.locator("#saved").inner_text() == TEXTS[lang]["saved"]
        published = in_transaction(running_central.engine, rules.published_rules)
        assert published["base_points"] == 2 and published["categories"] == {"bakery": 150}
        expect(page.locator("#versions tbody tr")).to_have_count(1)
        assert fits_width(page)
        assert all(url.startswith(running_central.url) for url in page.requested)
    finally:
        context.close()


@pytest.mark.browser
def test_a_manager_is_kept_out_of_the_editor(browser, running_central):
    from tests.backoffice.conftest import MANAGER

    context, page = open_signed_in(browser, running_central, "en", user=MANAGER)
    try:
        expect(page.get_by_role("link", name="Earning scale")).to_have_count(0)
        page.goto(f"{running_central.url}/backoffice/rules/")
        assert page.locator(".error").inner_text() == "This page is for head office."
    finally:
        context.close()
