"""The back office as a store manager reads it, in Chromium, in French and English: category names for the
tills set with the scale, saved versions in words, one capture rate that is explained, and CSV downloads that
open in a spreadsheet in the page's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from central import cashier_figures
from central.backoffice import rules
from central.schema import devices
from central.transactions import in_transaction
from loyalty.earning_rules import earning_from_json
from tests.browser.backoffice_fixtures import open_signed_in, running_central  # noqa: F401

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {
        "scale": "Barème de points",
        "version": "Vrac : 150 % du taux de base",
        "reports": "Rapports",
        "meaning": "clients inscrits ÷ ventes où la caisse a rencontré une carte inconnue",
        "header": "\ufeffCaissier;Opérations;",
        "rate": "75,0",
        "op_time": "2,5 s",
        "shown_rate": "75,0 %",
    },
    "en": {
        "scale": "Earning scale",
        "version": "Bulk: 150 % of the base rate",
        "reports": "Reports",
        "meaning": "customers captured ÷ sales where the till met an unknown card",
        "header": "\ufeffCashier;Operations;",
        "rate": "75.0",
        "op_time": "2.5 s",
        "shown_rate": "75.0 %",
    },
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_category_names_are_set_with_the_scale_and_versions_read_in_words(browser, running_central, lang):
    context, page = open_signed_in(browser, running_central, lang)
    try:
        page.get_by_role("link", name=WORDS[lang]["scale"]).first.click()
        expect(page.locator("input[name=per_amount]")).to_have_value("1,00")  # the base rate in euros
        page.locator("input[name=per_amount]").fill("2,50")
        page.locator("textarea[name=categories]").fill("bulk = 150; Vrac; Bulk")
        page.locator("button[value=save]").click()
        expect(page.locator("#saved")).to_be_visible()
        cell = page.locator("#versions tbody tr td.rules-summary").first
        expect(cell).to_contain_text(WORDS[lang]["version"])
        assert "{" not in cell.inner_text()  # no raw JSON
        published = in_transaction(running_central.engine, rules.published_rules)
        assert published["category_names"] == {"bulk": {"fr": "Vrac", "en": "Bulk"}}
        assert published["per_cents"] == 250
        assert earning_from_json(published).categories == {"bulk": 150}  # the tills still read the scale
        page.goto(running_central.url + "/backoffice/audit")
        when = page.locator("#audit tbody tr td").first.inner_text()
        assert re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d", when), when  # local time, not a UTC ISO stamp
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_capture_rate_explained_and_a_csv_download_for_spreadsheets(browser, running_central, lang, tmp_path):
    day = {
        "day": "2026-11-02",
        "cashier_id": "alice",
        "operations": 10,
        "earns": 8,
        "unknown_cards": 4,
        "captured": 3,
        "skipped": 1,
        "redemptions": 0,
        "refunds": 0,
        "undos": 0,
        "op_ms_total": 20000,
        "timed_ops": 8,
    }
    in_transaction(
        running_central.engine,
        lambda c: cashier_figures.store_rows(c, "store-a", cashier_figures.parse_rows({"days": [day]})),
    )
    in_transaction(
        running_central.engine, lambda c: c.execute(devices.insert().values(device_id="store-a", name="Lyon Part-Dieu"))
    )
    context, page = open_signed_in(browser, running_central, lang)
    try:
        page.get_by_role("link", name=WORDS[lang]["reports"]).first.click()
        expect(page.locator(".capture-rate-meaning").first).to_contain_text(WORDS[lang]["meaning"])
        expect(page.locator("#till-stores tr[data-key=store-a] td").first).to_have_text("Lyon Part-Dieu (store-a)")
        for table in ("#till-stores tr[data-key=store-a]", "#till-cashiers tr[data-key=alice]"):  # the page's numbers
            expect(page.locator(f"{table} td.op-time")).to_have_text(WORDS[lang]["op_time"])
            expect(page.locator(f"{table} td.capture-rate")).to_have_text(WORDS[lang]["shown_rate"])
        with page.expect_download() as download:
            page.locator("a.csv[href*='till-cashiers']").click()
        path = tmp_path / "till.csv"
        download.value.save_as(path)
        lines = path.read_bytes().decode("utf-8").splitlines()
        assert lines[0].startswith(WORDS[lang]["header"])
        assert lines[1].startswith("alice;") and lines[1].endswith(";" + WORDS[lang]["rate"])
    finally:
        context.close()
