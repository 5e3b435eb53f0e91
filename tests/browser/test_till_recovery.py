"""The till in Chromium after a damaged cache: an unknown card is not offered for capture and the cashier reads
why, in French; a card link central held back for review is said on the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from device.config import parse_config
from device.store import Store
from kiosk.runner import WebServer
from kiosk.service import KioskService, store_dir
from tests.browser.test_till_flows import key_amount, sign_in, tap
from tests.factories import seed_store
from web import create_app

pytestmark = pytest.mark.browser

REGULAR = "A0000004"


@pytest.fixture
def damaged_till(tmp_path):
    config = parse_config(
        {
            "device": {"id": "browser-till", "role": "till", "name": "Caisse test"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
        }
    )
    with Store.open(store_dir(config), config.device.id) as store:
        seed_store(store, 5)
    snapshot = store_dir(config) / "cache.json"
    snapshot.write_bytes(snapshot.read_bytes()[:100])  # damaged while the shop is offline
    with KioskService.open(config, sync=False) as service:
        service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        server = WebServer(create_app(service), "127.0.0.1", 0).start()
        yield service, server.url.rstrip("/")
        server.close()


@pytest.fixture
def tabs(browser, damaged_till):
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    till, panel = context.new_page(), context.new_page()
    panel.goto(damaged_till[1] + "/panel/")
    yield till, panel
    context.close()


def test_no_capture_for_a_card_the_damaged_cache_cannot_know(tabs, damaged_till):
    service, base = damaged_till
    till, _ = tabs
    sign_in(till, base)
    expect(till.locator("#cache-lost")).to_contain_text("en cours de reconstruction depuis le central")
    key_amount(till, "1000")
    tap(tabs, REGULAR)
    expect(till.locator("#message")).to_contain_text("pas encore reconstruite depuis le central")
    expect(till.locator("#capture")).to_be_hidden()
    assert service.store.pending() == []
    service.bus.publish("sync_status", {"state": "idle", "card_claims": ["CARD-1"]})
    expect(till.locator("#message")).to_contain_text("Le central a laissé la carte CARD-1 à son client actuel")
    # A complete pull rebuilds the cache: the banner goes at the next sync status, without a reload.
    from loyalty.domain.snapshot import PulledBatch

    service.store.apply_batch(PulledBatch(cursor=5, device_seq_through=0))
    service.bus.publish("sync_status", {"state": "idle", "card_claims": ["CARD-1"]})
    expect(till.locator("#cache-lost")).to_be_hidden()
