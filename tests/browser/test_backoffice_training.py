"""End to end in Chromium: a cashier does a training drill on a till wired to a real central; after a sync round
the back office shows it on the cashiers page (French, tablet) and on the device page (English, laptop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from device.config import parse_config
from device.sync.setup import token_file
from kiosk.runner import WebServer
from kiosk.service import KioskService
from tests.browser.backoffice_fixtures import fits_width, open_signed_in, running_central  # noqa: F401
from tests.browser.test_till_flows import KNOWN, key_amount, sign_in, tap
from tests.factories import seed_store
from web import create_app

pytestmark = pytest.mark.browser
DEVICE = "browser-till-3"


@pytest.fixture
def synced_till(tmp_path, running_central):  # noqa: F811
    """A till with emulated devices, enrolled with the running central (its worker syncs every minute)."""
    config = parse_config(
        {
            "device": {"id": DEVICE, "role": "till", "name": "Caisse test"},
            "paths": {"data_dir": str(tmp_path / "till")},
            "hardware": {"mode": "emulated"},
            "central": {"url": running_central.url, "timeout_s": 5, "interval_s": 60},
        }
    )
    token_file(config).write(running_central.enrol_device(DEVICE))
    with KioskService.open(config) as service:
        seed_store(service.store, 5)
        service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        server = WebServer(create_app(service), "127.0.0.1", 0).start()
        yield service, server.url.rstrip("/")
        server.close()


def test_a_drill_done_at_the_till_shows_in_the_back_office(browser, running_central, synced_till):  # noqa: F811
    service, base = synced_till
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    try:
        till, panel = context.new_page(), context.new_page()
        panel.goto(base + "/panel/")
        sign_in(till, base)
        till.click("#training")
        expect(till.locator(".training-banner")).to_be_visible()
        till.click("#training")
        till.click("button.drill[data-drill=known_card]")
        expect(till.locator("#drill-panel")).to_contain_text("Exercice")
        key_amount(till, "900")
        tap((till, panel), KNOWN)
        expect(till.locator("#drill-panel")).to_contain_text("100/100")
    finally:
        context.close()
    assert service.sync.sync_once().state == "idle"
    seconds = service.till.training_book.progress()[0]["best_seconds"]

    context, page = open_signed_in(browser, running_central, "fr", "tablet")
    try:
        page.get_by_role("link", name="Caissiers").first.click()
        heading = "Progression de la formation et liste de mise en route"
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        row = page.locator("#training tr[data-cashier=alice]")
        expect(row.locator("td.count")).to_have_text("1 / 5")
        expect(row.locator("td[data-drill=known_card]")).to_contain_text(
            f"100/100 · {seconds:.1f} s".replace(".", ",")
        )  # a French page writes 2,2 s
        expect(row.locator("td[data-drill=known_card]")).to_contain_text(DEVICE)
        expect(row.locator("td[data-drill=refund]")).to_have_text("○ à faire")
        expect(row.locator("td.devices")).to_have_text(DEVICE)
        assert fits_width(page)
        with page.expect_download() as download:
            page.locator("#training-progress a.csv").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert text.splitlines()[1].startswith(f"{DEVICE};alice;known_card;100;{seconds:.1f};".replace(".", ","))
        assert all(url.startswith(running_central.url) for url in page.requested)
    finally:
        context.close()

    context, page = open_signed_in(browser, running_central, "en", "laptop")
    try:
        page.goto(f"{running_central.url}/backoffice/devices/{DEVICE}")
        expect(page.get_by_role("heading", name="Training progress of this device's cashiers")).to_be_visible()
        row = page.locator("#device-training tr[data-cashier=alice]")
        expect(row.locator("td.count")).to_have_text("1 / 5")
        expect(row.locator("td[data-drill=known_card]")).to_contain_text(f"✔ 100/100 · {seconds:.1f} s")
        expect(row.locator("td[data-drill=paper_out]")).to_have_text("○ to do")
        assert fits_width(page)
    finally:
        context.close()
