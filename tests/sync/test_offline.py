"""Offline floor limits: per card and per device; partner vouchers refused offline; no limit online."""

from __future__ import annotations

import pytest

from device.config import parse_config
from device.sync.offline import OfflineLimits, check_redemption
from loyalty.domain.events import PointsEarned, PointsRedeemed
from loyalty.domain.rewards import Reward
from loyalty.errors import OfflineLimitReached

MUG = Reward("mug", "in_house", "Mug", 100)
HOLIDAY = Reward("hv", "partner_voucher", "Holiday voucher", 1000, partner="holiday", face_value_cents=2000)
LIMITS = OfflineLimits(per_card_points=300, per_device_points=500)


def _spent(cid: str, points: int) -> PointsRedeemed:
    return PointsRedeemed(device_id="till-1", customer_id=cid, reward_id="mug", reward_kind="in_house", points=points)


def test_online_has_no_floor_limit():
    check_redemption(LIMITS, online=True, reward=HOLIDAY, customer_id="c1", points=10_000, unsynced=[])


def test_partner_vouchers_need_central():
    with pytest.raises(OfflineLimitReached, match="partner voucher"):
        check_redemption(LIMITS, online=False, reward=HOLIDAY, customer_id="c1", points=1000, unsynced=[])


def test_per_card_limit_counts_unsynced_redemptions_of_that_customer():
    unsynced = [
        _spent("c1", 200),
        _spent("c2", 100),
        PointsEarned(device_id="till-1", customer_id="c1", receipt_ref="r", amount_cents=1, points=900),
    ]
    check_redemption(LIMITS, online=False, reward=MUG, customer_id="c1", points=100, unsynced=unsynced)
    with pytest.raises(OfflineLimitReached, match="this card can redeem 100 more"):
        check_redemption(LIMITS, online=False, reward=MUG, customer_id="c1", points=101, unsynced=unsynced)


def test_per_device_limit_counts_every_customer():
    unsynced = [_spent(f"c{n}", 100) for n in range(5)]
    with pytest.raises(OfflineLimitReached, match="this till can redeem 0 more"):
        check_redemption(LIMITS, online=False, reward=MUG, customer_id="new", points=1, unsynced=unsynced)


def test_limits_come_from_the_configuration():
    config = parse_config({"central": {"offline_redeem_per_card": 50, "offline_redeem_per_device": 70}})
    assert OfflineLimits.from_config(config.central) == OfflineLimits(50, 70)
