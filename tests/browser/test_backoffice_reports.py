"""The reports page in Chromium, French and English: figures equal to the folded ledger, SVG charts drawn
by the server with nothing fetched from elsewhere, CSV downloads, readable on a tablet."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import PointsEarned, PointsRedeemed
from loyalty.domain.ledger import Ledger
from tests.backoffice.ledgers import build_week
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

HEADINGS = {"fr": ("Rapports", "Inscriptions par caissier"), "en": ("Reports", "Registrations per cashier")}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_reports_show_the_ledger_figures(browser, running_central, lang, viewport):
    week = build_week()
    in_transaction(running_central.engine, lambda c: ingest(c, week, None))
    ledger = Ledger.fold(week)
    context, page = open_signed_in(browser, running_central, lang, viewport)
    try:
        page.get_by_role("link", name=HEADINGS[lang][0]).first.click()
        assert page.locator("h1").inner_text() == HEADINGS[lang][0]
        expect(page.get_by_role("heading", name=HEADINGS[lang][1])).to_have_count(1)
        assert int(page.locator("#points-earned").inner_text()) == sum(
            e.points for e in week if isinstance(e, PointsEarned)
        )
        assert int(page.locator("#points-redeemed").inner_text()) == sum(
            e.points for e in week if isinstance(e, PointsRedeemed)
        )
        assert int(page.locator("#points-outstanding").inner_text()) == sum(
            b for b in ledger.balances.values() if b > 0
        )
        expect(page.locator("figure.chart svg")).to_have_count(2)  # points and partners: no batch, no till figures
        expect(page.locator("#capture-cashiers tbody tr")).to_have_count(3)

        page.locator("input[name=start]").fill("2026-11-03")
        page.locator("input[name=end]").fill("2026-11-03")
        page.locator("#period-form button").click()
        day = [e for e in week if e.day == "2026-11-03"]
        assert int(page.locator("#earn-operations").inner_text()) == sum(isinstance(e, PointsEarned) for e in day)

        with page.expect_download() as download:
            page.locator("a.csv").first.click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")  # for spreadsheets: BOM, ';', headings
        assert text.startswith(("Début de la période;Fin de la période;Points gagnés", "Period start;Period end;"))
        assert "2026-11-03;2026-11-03;" in text
        assert fits_width(page)
        assert all(url.startswith(running_central.url) for url in page.requested)
    finally:
        context.close()


@pytest.mark.browser
def test_cards_by_sales_channel(browser, running_central):
    from central.card_batches import create_batch

    in_transaction(running_central.engine, lambda c: create_batch(c, "company", None, 3))
    in_transaction(running_central.engine, lambda c: create_batch(c, "partner", "garden", 2))
    context, page = open_signed_in(browser, running_central, "fr", "tablet")
    try:
        page.get_by_role("link", name="Rapports").first.click()
        assert page.locator("h1").inner_text() == "Rapports"
        expect(page.get_by_role("heading", name="Cartes par canal de vente")).to_have_count(1)
        rows = page.locator("#channels tbody tr")
        expect(rows).to_have_count(2)
        assert rows.nth(0).locator("td").all_inner_texts() == ["Nos magasins", "3", "0", "0"]
        assert rows.nth(1).locator("td").all_inner_texts() == ["Partenaire: garden", "2", "0", "0"]
        expect(page.locator("figure.chart svg")).to_have_count(2)  # points and channels: nothing else to draw
        with page.expect_download() as download:
            page.locator("#channels").locator("xpath=ancestor::section").locator("a.csv").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert text.splitlines()[0] == "Canal de vente;Partenaire;Cartes fabriquées;Cartes activées;Clients actifs"
        assert "partner;garden;2;0;0" in text
    finally:
        context.close()
