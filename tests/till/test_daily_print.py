"""The daily summary from central, printed on the till's (emulated) receipt printer by a manager."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from central import create_app
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from device.sync.client import CentralClient
from device.till.daily_print import print_daily_summary
from hardware import build_devices
from hardware.config import HardwareConfig
from hardware.errors import PrinterError
from hardware.printer.journal import PRINTED
from hardware.printer.worker import PrinterSettings
from hardware.rfid.reader import ReaderSettings
from loyalty.domain.events import CustomerRegistered, PointsEarned
from loyalty.errors import DeviceNotEnrolled, InvalidAmount, NotForThisRole, SyncRefused
from tests.hardware.conftest import EventRecorder

DAY = "2026-11-03"


@pytest.fixture
def devices(tmp_path):
    recorder = EventRecorder()
    with build_devices(
        HardwareConfig(mode="emulated"),
        tmp_path / "hw",
        recorder,
        reader_settings=ReaderSettings(poll_interval_s=0.02, reinit_interval_s=0.2, reopen_interval_s=0.2),
        printer_settings=PrinterSettings(status_interval_s=0.1, backoff_start_s=0.05, backoff_max_s=0.2),
    ) as made:
        recorder.wait_for(lambda: made.status().get("printer") and made.status()["printer"].state == "ok")
        made.recorder = recorder
        yield made


@pytest.fixture
def central(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'central.db'}")
    engine = app.extensions["central.engine"]
    at = f"{DAY}T10:00:00+01:00"
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                CustomerRegistered(
                    device_id="store-a", cashier_id="alice", at=at, customer_id="c1", first_name="Invented", seq=1
                ),
                PointsEarned(
                    device_id="store-a",
                    cashier_id="alice",
                    at=at,
                    customer_id="c1",
                    receipt_ref="R1",
                    amount_cents=2350,
                    points=23,
                    seq=2,
                ),
                PointsEarned(
                    device_id="store-b",
                    cashier_id="carla",
                    at=at,
                    customer_id="c1",
                    receipt_ref="R2",
                    amount_cents=9900,
                    points=99,
                    seq=1,
                ),
            ],
            None,
        ),
    )
    client = CentralClient("http://central", enrol_device(engine, "store-a"), transport=httpx.WSGITransport(app=app))
    yield client
    client.close()
    engine.dispose()


def test_a_manager_prints_the_store_summary_made_by_central(devices, central):
    text = central.daily_summary(DAY, "fr")
    assert "23" in text and "99" not in text  # this store's day only
    job_id = print_daily_summary(devices, central.daily_summary, "manager", DAY, "fr")
    devices.recorder.wait_for(lambda: any(j.job_id == job_id and j.state == PRINTED for j in devices.jobs()))
    printed = devices.emulators.receipt_texts()
    assert len(printed) == 1
    assert [line.rstrip() for line in printed[0].splitlines() if line.strip()] == [
        line.rstrip() for line in text.splitlines() if line.strip()
    ]


def test_refusals_print_nothing(devices, central):
    with pytest.raises(NotForThisRole):
        print_daily_summary(devices, central.daily_summary, "cashier", DAY)
    with pytest.raises(InvalidAmount):
        print_daily_summary(devices, central.daily_summary, "manager", "03/11/2026")
    with pytest.raises(PrinterError):
        print_daily_summary(devices, None, "manager", DAY)
    with pytest.raises(PrinterError):
        print_daily_summary(None, central.daily_summary, "manager", DAY)
    with pytest.raises(SyncRefused, match="lang"):
        print_daily_summary(devices, lambda day, lang: central.daily_summary(day, "de"), "manager", DAY)
    assert devices.jobs() == []


def test_central_refuses_a_device_without_token(central):
    stranger = CentralClient("http://central", "not-a-token", transport=central._http._transport)
    with pytest.raises(DeviceNotEnrolled):
        stranger.daily_summary(date.today().isoformat())
