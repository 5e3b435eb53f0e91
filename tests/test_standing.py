"""The kiosk's balance screen and its slips take the points expiring soon and the tier from the store and
central's settings alone: offline they still show, with the kiosk's own pending redemption taken off first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from device.reference_cache import ReferenceCache
from device.selfservice.rewards import RewardsFile
from device.selfservice.screen import KioskScreen
from device.standing import CustomerStanding, receipt_notice
from device.store import Store
from loyalty.domain.expiry import ExpiryNotice
from loyalty.domain.snapshot import CardState, CentralSetting, CustomerState, PulledBatch, RewardState

EXPIRY = CentralSetting("expiry", '{"after_days": 365, "notice_days": 30}')
TIERS = CentralSetting(
    "tiers",
    '{"period_days": 365, "tiers": [{"name": "bronze", "min_points": 0}, {"name": "argent", "min_points": 100}]}',
)
EARNED_ON = date.today() - timedelta(days=350)


@pytest.fixture
def store(tmp_path):
    opened = Store.open(tmp_path / "store", "kiosk-1")
    opened.apply_batch(
        PulledBatch(
            cursor=1,
            customers=(
                CustomerState("c-ana", 150, "Ana", lots=((EARNED_ON.isoformat(), 120), (date.today().isoformat(), 30))),
            ),
            cards=(CardState("AAAA0001", "c-ana"),),
        )
    )
    yield opened
    opened.close()


def _screen(tmp_path, store, *settings, printed=None):
    rewards = RewardsFile.in_dir(tmp_path)
    rewards.put((RewardState("coffee", "in_house", "Café", 50),))
    reference = ReferenceCache(tmp_path / "reference-data.json")
    reference.apply(PulledBatch(cursor=1, settings=settings))
    screen = KioskScreen(
        store,
        rewards,
        device_id="kiosk-1",
        central=None,
        reference=reference,
        print_receipt=(printed if printed is not None else []).append,
        receipt_for=lambda **kw: kw,
    )
    screen.present("AAAA0001")
    return screen


def test_offline_the_balance_screen_shows_what_expires_and_the_tier_then_a_redemption_takes_the_oldest(tmp_path, store):
    printed = []
    screen = _screen(tmp_path, store, EXPIRY, TIERS, printed=printed)
    goes_on = EARNED_ON + timedelta(days=365)
    assert screen.summary("AAAA0001").standing == CustomerStanding(ExpiryNotice(120, goes_on), "argent")
    screen.redeem("AAAA0001", "coffee")
    assert printed[-1]["expiring"] == ExpiryNotice(70, goes_on)  # the slip says what is left to lose
    assert receipt_notice(printed[-1]["expiring"]) == {
        "expiring_points": 70,
        "expiring_from": goes_on.strftime("%d/%m/%Y"),
    }
    assert screen.summary("AAAA0001").standing == CustomerStanding(ExpiryNotice(70, goes_on), "argent")


def test_nothing_is_said_without_settings_and_no_notice_when_nothing_expires_soon(tmp_path, store):
    assert _screen(tmp_path, store).summary("AAAA0001").standing == CustomerStanding()
    assert receipt_notice(None) == {}
    screen = _screen(tmp_path / "tiers-only", store, TIERS)
    assert screen.summary("AAAA0001").standing == CustomerStanding(None, "argent")
