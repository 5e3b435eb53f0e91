"""The virtual hardware panel in Debian's Chromium (Playwright): the controls a person would use."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from playwright import sync_api
from werkzeug.serving import make_server

from hardware import DeviceManager
from hardware.config import HardwareConfig
from hardware.events import CARD_TAPPED, QR_SCANNED
from hardware.printer.worker import PrinterSettings
from hardware.rfid.reader import ReaderSettings
from loyalty import web_icon
from tests.hardware.receipts import earn_receipt
from web import errors
from web.panel import bp

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, recorder):
    manager = DeviceManager(
        HardwareConfig(mode="emulated"),
        tmp_path,
        recorder,
        reader_settings=ReaderSettings(poll_interval_s=0.02),
        printer_settings=PrinterSettings(status_interval_s=0.1, backoff_start_s=0.05, backoff_max_s=0.2),
    )
    manager.start()
    app = Flask(__name__)
    errors.init_app(app)  # the app's one table of errors to answers, and the icon its pages link,
    web_icon.init_app(app)  # as create_app sets them up
    app.register_blueprint(bp)
    app.extensions["kiosk.devices"] = manager
    app.extensions["kiosk.demo_cards"] = [{"uid": "DEADBEEF", "label": "Demo Classic"}]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", manager
    server.shutdown()
    manager.close()


def test_panel_drives_the_emulated_devices(served, recorder, browser):
    url, manager = served
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url + "/panel/")
        page.select_option("#card-select", "DEADBEEF")
        page.click("#present-card")
        sync_api.expect(page.locator("#card-on-reader")).to_have_text("DEADBEEF")
        recorder.wait_for(lambda: [e.uid for e in recorder.of(CARD_TAPPED)] == ["DEADBEEF"])
        page.click("#remove-card")
        sync_api.expect(page.locator("#card-on-reader")).to_have_text("none")

        page.fill("#card-uid", "not hex")
        page.click("#present-card")
        sync_api.expect(page.locator("#message")).to_contain_text("not hexadecimal")

        page.fill("#qr-payload", "https://fidelite.example.org/c/9F3A")
        page.click("#scan-qr")
        recorder.wait_for(
            lambda: [e.payload for e in recorder.of(QR_SCANNED)] == ["https://fidelite.example.org/c/9F3A"]
        )

        page.click("#paper-out")
        sync_api.expect(page.locator("#printer-state")).to_have_text("paper_out")
        manager.print(earn_receipt())
        page.click("#paper-back")
        sync_api.expect(page.locator("#receipts .receipt")).to_have_count(1)
        sync_api.expect(page.locator("#receipts .receipt")).to_contain_text("Nouveau solde")

        page.click("#unplug-printer")
        sync_api.expect(page.locator("#printer-state")).to_have_text("offline")
        page.click("#replug-printer")
        sync_api.expect(page.locator("#printer-state")).to_have_text("ok")
    finally:
        context.close()
