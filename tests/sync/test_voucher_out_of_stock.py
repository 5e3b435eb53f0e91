"""An empty partner-voucher pool is said as "out of stock", never as "central unreachable"; nothing is spent."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from central.embedded import enrol_device, start_background
from device.selfservice.online import KioskCentral
from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen
from device.store import Store
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch, RewardState
from loyalty.errors import OfflineLimitReached, VoucherOutOfStock
from tests.central.databases import sqlite_url  # noqa: F401  (fixture)

HOLIDAY = RewardState("hol", "partner_voucher", "Chèque vacances", 50, partner="holiday", face_value_cents=2000)


@pytest.fixture
def central(sqlite_url):  # noqa: F811
    server = start_background(sqlite_url, threads=2)
    yield server
    server.stop()
    server.engine.dispose()


def test_an_empty_pool_reads_out_of_stock_at_the_kiosk(central, tmp_path, service):
    store = Store.open(tmp_path / "store", "kiosk-1")
    store.apply_batch(
        PulledBatch(cursor=0, customers=(CustomerState("c-ana", 200, "Ana"),), cards=(CardState("AAAA0001", "c-ana"),))
    )
    rewards = RewardsFile.in_dir(tmp_path)
    rewards.put([HOLIDAY])
    client = KioskCentral(central.url, enrol_device(central.engine, "kiosk-1"), 5.0)
    screen = KioskScreen(
        store,
        rewards,
        device_id="kiosk-1",
        redeem_per_day=2,
        central=client,
        print_receipt=lambda receipt: "job",
        receipt_for=lambda **kw: kw,
    )
    try:
        screen.present("AAAA0001")
        with pytest.raises(VoucherOutOfStock, match="out of stock") as refused:
            screen.redeem("AAAA0001", "hol")
        assert not isinstance(refused.value, OfflineLimitReached)
        assert store.balance("c-ana") == 200 and store.pending_count() == 0
        from web import create_app
        from web.selfservice.views import _message_for

        with create_app(service).test_request_context("/kiosk/"), force_locale("fr"):
            assert "rupture de stock" in _message_for(refused.value)
    finally:
        client.close()
        store.close()
