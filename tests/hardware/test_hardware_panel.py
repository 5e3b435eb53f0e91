"""The virtual hardware panel blueprint, driven with Flask's test client against an emulated manager."""

from __future__ import annotations

import pytest
from flask import Flask

from hardware import DeviceManager
from hardware.config import HardwareConfig
from hardware.events import CARD_TAPPED, QR_SCANNED
from hardware.printer.worker import PrinterSettings
from hardware.rfid.reader import ReaderSettings
from loyalty import web_icon
from tests.hardware.receipts import earn_receipt
from web import errors
from web.panel import bp

DEMO_CARDS = [{"uid": "DEADBEEF", "label": "Alice <demo>"}, {"uid": "04A1B2C3D4E5F6", "label": "Bob"}]


@pytest.fixture
def manager(tmp_path, recorder):
    with DeviceManager(
        HardwareConfig(mode="emulated"),
        tmp_path,
        recorder,
        reader_settings=ReaderSettings(poll_interval_s=0.02),
        printer_settings=PrinterSettings(status_interval_s=0.1, backoff_start_s=0.05, backoff_max_s=0.2),
        supervise_interval_s=0.2,
    ) as manager:
        yield manager


@pytest.fixture
def client(manager):
    app = Flask(__name__)
    errors.init_app(app)  # the app's one table of errors to answers, and the icon its pages link,
    web_icon.init_app(app)  # as create_app sets them up
    app.register_blueprint(bp)
    app.extensions["kiosk.devices"] = manager
    app.extensions["kiosk.demo_cards"] = DEMO_CARDS
    return app.test_client()


def test_page_lists_demo_cards_escaped_and_its_own_assets(client):
    page = client.get("/panel/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Alice &lt;demo&gt; (DEADBEEF)" in html and "<demo>" not in html
    for element in (
        "present-card",
        "remove-card",
        "scan-qr",
        "paper-out",
        "paper-back",
        "unplug-printer",
        "replug-printer",
        "receipts",
    ):
        assert f'id="{element}"' in html
    assert client.get("/panel/static/panel.css").status_code == 200
    script = client.get("/panel/static/panel.js")
    assert script.status_code == 200
    assert "://" not in script.get_data(as_text=True)  # nothing fetched from elsewhere
    assert 'src="http' not in html and 'href="http' not in html  # no CDN


def test_card_controls(client, recorder):
    assert client.post("/panel/card", json={"uid": "04a1b2c3d4e5f6"}).get_json() == {
        "ok": True,
        "uid": "04A1B2C3D4E5F6",
    }
    recorder.wait_for(lambda: [e.uid for e in recorder.of(CARD_TAPPED)] == ["04A1B2C3D4E5F6"])
    assert client.get("/panel/state").get_json()["emulator"]["card"] == "04A1B2C3D4E5F6"
    assert client.post("/panel/card/remove", json={}).status_code == 200
    assert client.get("/panel/state").get_json()["emulator"]["card"] is None


@pytest.mark.parametrize(
    "body, message",
    [
        ({"uid": "zz"}, "hexadecimal"),
        ({"uid": "0102"}, "8 hex digits"),
        ({}, "'uid' is required"),
        ({"uid": 12345678}, "'uid' is required"),
    ],
)
def test_bad_card_input_gets_a_clear_400(client, body, message):
    response = client.post("/panel/card", json=body)
    answer = response.get_json()
    assert response.status_code == 400 and answer["error"] == "InvalidDeviceCommand" and message in answer["message"]


def test_scan(client, recorder):
    assert client.post("/panel/scan", json={"payload": "https://x.example/c/1"}).status_code == 200
    recorder.wait_for(lambda: [e.payload for e in recorder.of(QR_SCANNED)] == ["https://x.example/c/1"])
    assert client.post("/panel/scan", json={"payload": "  "}).status_code == 400
    assert client.post("/panel/scan", data="not json", content_type="application/json").status_code == 400


def test_printer_controls_and_receipts(client, manager, recorder):
    manager.print(earn_receipt())
    recorder.wait_for(lambda: len(client.get("/panel/receipts").get_json()["receipts"]) == 1)
    receipt = client.get("/panel/receipts").get_json()["receipts"][0]
    assert receipt["complete"] and "Nouveau solde" in receipt["text"]
    assert client.post("/panel/printer/paper-out").status_code == 200
    recorder.wait_for(lambda: client.get("/panel/state").get_json()["devices"]["printer"]["state"] == "paper_out")
    client.post("/panel/printer/paper-back")
    client.post("/panel/printer/unplug")
    recorder.wait_for(lambda: client.get("/panel/state").get_json()["devices"]["printer"]["state"] == "offline")
    manager.print(earn_receipt(receipt_id="R-2"))
    client.post("/panel/printer/replug")
    recorder.wait_for(lambda: len(client.get("/panel/receipts").get_json()["receipts"]) == 2)
    assert client.post("/panel/printer/explode", json={}).status_code == 404


def test_reprint_endpoint(client, manager, recorder):
    manager.emulators.paper_out()
    manager.emulators.printer.paper_back(lines=5)
    manager.print(earn_receipt())
    recorder.wait_for(lambda: [j["state"] for j in client.get("/panel/state").get_json()["jobs"]] == ["held"])
    client.post("/panel/printer/paper-back")
    assert client.post("/panel/jobs/R-000123/reprint").status_code == 200
    recorder.wait_for(lambda: [j["state"] for j in client.get("/panel/state").get_json()["jobs"]] == ["printed"])
    again = client.post("/panel/jobs/R-000123/reprint", json={})
    assert again.status_code == 409 and again.get_json()["error"] == "UnknownPrintJob"


def test_without_manager_the_panel_is_not_there():
    app = Flask(__name__)
    app.register_blueprint(bp)
    assert app.test_client().get("/panel/state").status_code == 404
