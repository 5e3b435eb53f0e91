"""A till whose clock is two days ahead dates its sales with central's day, accepts a valid phone card code,
and says that its clock is wrong (on the till's pages and in `kiosk doctor`), never blaming the customer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import device.sync.client as client_module
from central.schema import events
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from kiosk.doctor.context import DoctorContext
from kiosk.doctor.providers import sync_state_from
from kiosk.doctor.system_checks import check_clock
from loyalty import phonecard
from loyalty.domain import business_clock
from loyalty.domain.events import PointsEarned
from loyalty.errors import PhoneCodeClockWrong
from tests.factories import ManualClock, signed_in_till

AHEAD = timedelta(days=2)


class AheadClock:
    """This device's wall clock, two days ahead of the real (and central's) time."""

    @staticmethod
    def time() -> float:
        return time.time() + AHEAD.total_seconds()


class AheadDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + AHEAD


@pytest.fixture
def till_ahead(config, central_server, monkeypatch):
    monkeypatch.setattr(business_clock, "_skew_s", 0.0)  # restored after the test
    monkeypatch.setattr(business_clock, "time", AheadClock)
    monkeypatch.setattr(client_module, "datetime", AheadDatetime)
    till = signed_in_till(config, ManualClock())
    client = CentralClient(central_server.url, central_server.enrol_device(config.device.id), 5)
    yield till, client
    client.close()
    till.close()
    till.live_store.close()


def test_a_till_two_days_ahead_dates_its_sales_with_centrals_day(till_ahead, central_server):
    till, client = till_ahead
    key = phonecard.new_private_key()
    till.phone_verifier = phonecard.PhoneCardVerifier.from_text(phonecard.public_key_text(key))
    code = phonecard.sign_code(key, "A0000004", time.time())  # made by central, on central's (right) clock
    with pytest.raises(PhoneCodeClockWrong, match="the till's clock is wrong"):
        till.qr_presented(code)  # before any contact with central: the till's clock is blamed, not the code
    worker = SyncWorker(till.live_store, client)
    status = worker.sync_once()
    assert status.state == "idle" and status.clock_skew_s > AHEAD.total_seconds() - 60
    assert business_clock.clock_wrong()
    till.start_sale({"general": 2500})
    result = till.qr_presented(phonecard.sign_code(key, "A0000004", time.time()))  # a valid code is accepted
    assert result["points"] == 25
    earned = [e for e in till.store.pending() if isinstance(e, PointsEarned)][-1]
    central_day = datetime.now(UTC).astimezone().date().isoformat()
    assert earned.at[:10] == central_day
    worker.sync_once()
    with central_server.engine.connect() as connection:
        payload = connection.execute(select(events.c.payload).where(events.c.event_id == earned.event_id)).scalar_one()
    assert json.loads(payload)["at"][:10] == central_day


def test_doctor_and_the_till_page_say_the_tills_clock_is_wrong(config, service, monkeypatch):
    monkeypatch.setattr(business_clock, "_skew_s", 0.0)
    state = sync_state_from({"state": "idle", "clock_skew_s": 2 * 86400.0}, "http://central.invalid")
    result = check_clock(DoctorContext(config=config, sync_state=lambda: state, run_command=lambda argv: "yes"))
    assert result.status.name == "FAIL" and "the till's clock is wrong" in result.message
    assert "48.0 hours ahead" in result.message
    right = sync_state_from({"state": "idle", "clock_skew_s": 2.0}, "http://central.invalid")
    assert (
        check_clock(DoctorContext(config=config, sync_state=lambda: right, run_command=lambda argv: "yes")).status.name
        == "OK"
    )
    from web import create_app

    business_clock.note_skew(2 * 86400.0)
    web = create_app(service).test_client()
    assert "The till's clock is wrong (48 h ahead)" in web.get("/?lang=en").get_data(as_text=True)
    assert "L’horloge de la caisse est fausse (48 h d’avance)" in web.get("/?lang=fr").get_data(as_text=True)
    business_clock.note_skew(1.0)
    assert "clock is wrong" not in web.get("/?lang=en").get_data(as_text=True)
