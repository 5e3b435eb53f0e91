"""Head office in Chromium, French and English: the data safety page lists a device's missing numbers and a
held card link, and the decisions taken from it change central's records."""

import pytest
from playwright.sync_api import expect

from central.embedded import enrol_device
from central.ingest import ingest
from central.sequence_gaps import all_gaps
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

WORDS = {
    "fr": {
        "menu": "Sûreté des données",
        "keep": "Laisser à son client",
        "lost": "Noter comme perdus",
        "no_gap": "Aucun appareil n’a d’événement manquant.",
        "no_claim": "Aucun lien de carte n’attend de vérification.",
    },
    "en": {
        "menu": "Data safety",
        "keep": "Keep with its customer",
        "lost": "Record as lost",
        "no_gap": "No device is missing any event.",
        "no_claim": "No card link waits for review.",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_head_office_reviews_gaps_and_held_card_links(browser, running_central, lang, viewport):
    engine = running_central.engine
    for device in ("till-7", "till-8"):
        enrol_device(engine, device)
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                CustomerRegistered(device_id="till-7", seq=1, customer_id="regular", first_name="Invented"),
                CardLinked(device_id="till-7", seq=2, customer_id="regular", card_uid="CARD-REG"),
                PointsEarned(
                    device_id="till-7", seq=5, customer_id="regular", receipt_ref="R5", amount_cents=100, points=1
                ),
            ],
            "till-7",
        ),
    )
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                CustomerRegistered(device_id="till-8", seq=1, customer_id="newcomer", first_name="Invented"),
                CardLinked(device_id="till-8", seq=2, customer_id="newcomer", card_uid="CARD-REG"),
            ],
            "till-8",
        ),
    )
    words = WORDS[lang]
    context, page = open_signed_in(browser, running_central, lang, viewport)
    try:
        page.get_by_role("link", name=words["menu"]).click()
        expect(page.locator("h1")).to_have_text(words["menu"])
        expect(page.locator("#gaps tr[data-device='till-7'] td").nth(4)).to_have_text("3–4")
        expect(page.locator("#card-claims tr[data-card='CARD-REG'] td").nth(2)).to_have_text("newcomer")
        assert fits_width(page)
        page.locator("#card-claims tr[data-card='CARD-REG']").get_by_role("button", name=words["keep"]).click()
        expect(page.locator("#card-claims")).to_contain_text(words["no_claim"])
        page.locator("#gaps tr[data-device='till-7']").get_by_role("button", name=words["lost"]).click()
        expect(page.locator("#gaps")).to_contain_text(words["no_gap"])
        assert in_transaction(engine, all_gaps) == []
    finally:
        context.close()
