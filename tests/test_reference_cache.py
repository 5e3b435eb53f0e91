"""The device's copy of central's reference data: upserts by id, withdrawals, atomic file, bad input."""

from __future__ import annotations

import json

import pytest

from device.reference_cache import ReferenceCache
from device.store.fileops import FileOps
from loyalty.domain.snapshot import CashierState, CentralSetting, PulledBatch, RewardState


def _page(**parts) -> PulledBatch:
    return PulledBatch(cursor=1, **parts)


def test_upserts_by_id_and_survives_a_restart(tmp_path):
    path = tmp_path / "reference-data.json"
    cache = ReferenceCache(path)
    cache.apply(
        _page(
            rewards=(RewardState("coffee", "in_house", "Café", 50),),
            cashiers=(CashierState("c1", "Zoé", "cashier", "scrypt$x"),),
            settings=(CentralSetting("expiry", '{"after_days": 365, "notice_days": 30}'),),
        )
    )
    cache.apply(
        _page(
            rewards=(
                RewardState("coffee", "in_house", "Café", 60, active=False),
                RewardState("tea", "in_house", "Thé", 40),
            )
        )
    )
    reopened = ReferenceCache(path)
    assert {r.reward_id: (r.points_price, r.active) for r in reopened.rewards()} == {
        "coffee": (60, False),
        "tea": (40, True),
    }
    assert [c.cashier_id for c in reopened.cashiers()] == ["c1"]
    assert reopened.setting("expiry") == {"after_days": 365, "notice_days": 30}
    assert json.loads(path.read_text())["schema"] == 1
    assert not path.with_name(path.name + ".tmp").exists()


def test_earning_rules_become_a_scale_and_bad_rules_are_ignored(tmp_path):
    cache = ReferenceCache(tmp_path / "r.json")
    assert cache.earning_scale() is None
    rules = {
        "base_points": 3,
        "per_cents": 100,
        "promotions": [{"name": "Noël", "starts": "2026-12-01", "ends": "2026-12-24", "multiplier_pct": 200}],
    }
    cache.apply(_page(settings=(CentralSetting("earning_rules", json.dumps(rules)),)))
    scale = cache.earning_scale()
    assert scale is not None and scale.base_points == 3 and scale.promotions[0].name == "Noël"
    cache.apply(_page(settings=(CentralSetting("earning_rules", '{"base_points": -4}'),)))
    assert cache.earning_scale() is None
    cache.apply(_page(settings=(CentralSetting("earning_rules", "not json"),)))
    assert cache.earning_scale() is None


class FullDisk(FileOps):
    def write(self, fd, data):
        raise OSError(28, "No space left on device")


def test_a_failed_write_keeps_the_old_file_and_the_old_state(tmp_path):
    path = tmp_path / "r.json"
    ReferenceCache(path).apply(_page(rewards=(RewardState("tea", "in_house", "Thé", 40),)))
    cache = ReferenceCache(path, FullDisk())
    with pytest.raises(OSError):
        cache.apply(_page(rewards=(RewardState("cake", "in_house", "Gâteau", 80),)))
    assert [r.reward_id for r in cache.rewards()] == ["tea"]
    assert [r.reward_id for r in ReferenceCache(path).rewards()] == ["tea"]


def test_a_corrupt_file_is_moved_aside_not_lost(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{torn")
    cache = ReferenceCache(path)
    assert cache.rewards() == () and path.with_name("r.json.corrupt").read_text() == "{torn"


def test_the_expiry_setting_becomes_a_rule_and_bad_values_are_ignored(tmp_path):
    cache = ReferenceCache(tmp_path / "r.json")
    assert cache.expiry_rule() is None
    cache.apply(_page(settings=(CentralSetting("expiry", '{"after_days": 365, "notice_days": 30}'),)))
    rule = cache.expiry_rule()
    assert (rule.after_days, rule.notice_days) == (365, 30)
    for bad in ('{"after_days": 0, "notice_days": 30}', '{"after_days": "365", "notice_days": 30}', "[1]", "{}"):
        cache.apply(_page(settings=(CentralSetting("expiry", bad),)))
        assert cache.expiry_rule() is None, bad


def test_the_tiers_setting_becomes_a_scale_and_bad_values_are_ignored(tmp_path):
    cache = ReferenceCache(tmp_path / "r.json")
    assert cache.tier_scale() is None
    good = '{"period_days": 365, "tiers": [{"name": "bronze", "min_points": 0}, {"name": "or", "min_points": 500}]}'
    cache.apply(_page(settings=(CentralSetting("tiers", good),)))
    scale = cache.tier_scale()
    assert scale.period_days == 365 and [(t.name, t.min_points) for t in scale.tiers] == [("bronze", 0), ("or", 500)]
    for bad in (
        '{"period_days": 365, "tiers": [{"name": "or", "min_points": 5}]}',
        '{"period_days": 0, "tiers": [{"name": "bronze", "min_points": 0}]}',
        '{"period_days": 365, "tiers": [{"name": "bronze", "min_points": "0"}]}',
        "[1]",
        "{}",
    ):
        cache.apply(_page(settings=(CentralSetting("tiers", bad),)))
        assert cache.tier_scale() is None, bad
