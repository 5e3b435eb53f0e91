"""A store manager in Chromium, French and English: the reports and the device list show their store only,
with figures equal to that store's part of the folded ledger, and another store's page is refused."""

import pytest
from playwright.sync_api import expect

from central.backoffice import store_assignments
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CustomerRegistered, PointsEarned
from tests.backoffice.conftest import MANAGER
from tests.backoffice.ledgers import build_week
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401

WORDS = {
    "fr": {
        "reports": "Rapports",
        "devices": "Appareils",
        "all": "Tous mes magasins",
        "refused": "Ce magasin n’est pas l’un des vôtres.",
    },
    "en": {
        "reports": "Reports",
        "devices": "Devices",
        "all": "All my stores",
        "refused": "This store is not one of yours.",
    },
}


@pytest.mark.browser
@pytest.mark.parametrize("lang, viewport", [("fr", "tablet"), ("en", "laptop")])
def test_a_manager_sees_only_their_store(browser, running_central, lang, viewport):
    engine = running_central.engine
    week = build_week()
    in_transaction(engine, lambda c: ingest(c, week, None))
    for store in ("store-a", "store-b"):
        enrol_device(engine, store)
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", MANAGER[0], ["store-a"]))
    mine = [e for e in week if e.device_id == "store-a"]
    words = WORDS[lang]
    context, page = open_signed_in(browser, running_central, lang, viewport, user=MANAGER)
    try:
        page.get_by_role("link", name=words["reports"]).first.click()
        expect(page.locator("h1")).to_have_text(words["reports"])
        expect(page.locator("#points-earned")).to_have_text(
            str(sum(e.points for e in mine if isinstance(e, PointsEarned)))
        )
        expect(page.locator("#earn-operations")).to_have_text(str(sum(isinstance(e, PointsEarned) for e in mine)))
        expect(page.locator("#customers-registered")).to_have_text(
            str(sum(isinstance(e, CustomerRegistered) for e in mine))
        )
        expect(page.locator("#points-outstanding")).to_have_count(0)
        expect(page.locator("#liability-note")).to_be_visible()
        expect(page.locator("#capture-stores tbody tr")).to_have_count(1)
        expect(page.locator("#capture-stores tbody tr[data-key='store-a']")).to_have_count(1)
        expect(page.locator("#channels")).to_have_count(0)
        store_filter = page.locator("#period-form select[name=store] option")
        expect(store_filter).to_have_text([words["all"], "store-a"])
        expect(page.locator("#daily-form select[name=store] option")).to_have_text(["store-a"])

        page.get_by_role("link", name=words["devices"]).first.click()
        expect(page.locator("h1")).to_have_text(words["devices"])
        expect(page.locator("#devices tbody tr")).to_have_count(1)
        expect(page.locator("#devices tbody tr[data-id='store-a']")).to_have_count(1)
        assert fits_width(page)

        page.goto(f"{running_central.url}/backoffice/devices/store-b")
        expect(page.locator(".error")).to_have_text(words["refused"])
        assert all(url.startswith(running_central.url) for url in page.requested)
    finally:
        context.close()


@pytest.mark.browser
def test_head_office_ticks_a_managers_stores(browser, running_central):
    engine = running_central.engine
    for store in ("store-a", "store-b"):
        enrol_device(engine, store)
    context, page = open_signed_in(browser, running_central, "fr", "tablet")
    try:
        page.get_by_role("link", name="Utilisateurs").first.click()
        row = page.locator(f"#users tr[data-id='{MANAGER[0]}']")
        expect(row.locator("input[name=store]")).to_have_count(2)
        row.locator("input[value='store-b']").check()
        row.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator(f"#users tr[data-id='{MANAGER[0]}'] input[value='store-b']")).to_be_checked()
        expect(page.locator(f"#users tr[data-id='{MANAGER[0]}'] input[value='store-a']")).not_to_be_checked()
        assert in_transaction(engine, lambda c: store_assignments.stores_of(c, MANAGER[0])) == {"store-b"}
        assert fits_width(page)
    finally:
        context.close()
