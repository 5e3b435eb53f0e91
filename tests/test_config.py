"""Configuration: the example file loads, and every wrong key or value is named in the error."""

from datetime import date
from pathlib import Path

import pytest

from device.config import load_config, parse_config
from loyalty.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "kiosk.example.toml"


def test_example_config_loads_and_builds_the_scale():
    config = load_config(EXAMPLE)
    scale = config.earning.scale()
    assert config.device.role == "till"
    assert scale.category_pct("hygiene") == 150
    assert scale.promotion_pct(date(2026, 12, 15), "general") == (200, "Double points week")


def test_kiosk_config_environment_variable_overrides_the_path(tmp_path, monkeypatch):
    path = tmp_path / "k.toml"
    path.write_text('[device]\nid = "kiosk-7"\nrole = "kiosk"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    config = load_config()
    assert (config.device.id, config.device.role) == ("kiosk-7", "kiosk")


def test_config_is_frozen():
    config = parse_config({})
    with pytest.raises(AttributeError):
        config.web.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"hardware": {"mode": "raspberry"}}, "hardware.mode = 'raspberry' is not allowed; allowed: 'pi', 'emulated'"),
        ({"hardware": {"modee": "pi"}}, "unknown key 'hardware.modee'"),
        ({"nope": {}}, "unknown key 'nope'"),
        ({"web": {"port": "8080"}}, "web.port = '8080' must be a whole number"),
        ({"web": {"port": 70000}}, "web.port = 70000 is not allowed"),
        ({"earning": {"per_cents": 0}}, "earning.per_cents = 0 is not allowed; it must be > 0"),
        ({"earning": {"categories": {"hygiene": 1.5}}}, "earning.categories.hygiene = 1.5 must be a whole number"),
        (
            {
                "earning": {
                    "promotions": [
                        {"name": "x", "starts": "2026-01-01", "ends": date(2026, 1, 2), "multiplier_pct": 200}
                    ]
                }
            },
            "earning.promotions[0].starts",
        ),
        ({"earning": {"promotions": [{"name": "x"}]}}, "missing key earning.promotions[0].starts"),
        ({"device": {"id": "till 1"}}, "device.id = 'till 1'"),
        ({"shop": {"address": "one line"}}, "shop.address = 'one line' must be a list"),
    ],
)
def test_wrong_keys_and_values_are_named(data, expected):
    with pytest.raises(ConfigError) as excinfo:
        parse_config(data)
    assert expected in str(excinfo.value)


def test_missing_and_broken_files_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[device\nid=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
    bad_utf8 = tmp_path / "bad.toml"
    bad_utf8.write_bytes(b'[shop]\nname = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="bad.toml"):
        load_config(bad_utf8)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[web]\nport = "x"\n')
    with pytest.raises(ConfigError, match=r"wrong\.toml: web\.port"):
        load_config(wrong)


def test_earning_rules_from_central_json_are_checked_like_the_toml():
    from loyalty.earning_rules import earning_from_json

    earning = earning_from_json(
        {
            "base_points": 2,
            "promotions": [{"name": "x", "starts": "2026-12-01", "ends": "2026-12-02", "multiplier_pct": 150}],
        }
    )
    assert earning.promotions[0].starts == date(2026, 12, 1) and earning.base_points == 2
    with pytest.raises(ConfigError, match=r"earning.promotions\[0\].ends = '02/12/2026' must be a date"):
        earning_from_json(
            {"promotions": [{"name": "x", "starts": "2026-12-01", "ends": "02/12/2026", "multiplier_pct": 150}]}
        )
    with pytest.raises(ConfigError, match="unknown key 'earning.base_point'"):
        earning_from_json({"base_point": 2})
    with pytest.raises(ConfigError, match="must be a table"):
        earning_from_json(["not", "a", "table"])


def test_the_store_keeps_as_many_folded_earns_as_the_till_is_configured_for(tmp_path):
    from device.store.store import KEPT_EARNS
    from kiosk.service import KioskService
    from loyalty.domain.events import PointsEarned
    from loyalty.domain.snapshot import PulledBatch

    assert parse_config({}).till.kept_earns == KEPT_EARNS
    with pytest.raises(ConfigError, match="till.kept_earns = 0 is not allowed"):
        parse_config({"till": {"kept_earns": 0}})
    config = parse_config({"device": {"id": "till-1"}, "paths": {"data_dir": str(tmp_path)}, "till": {"kept_earns": 2}})
    with KioskService.open(config, devices=False, sync=False) as service:
        for n in range(3):
            service.store.record(
                PointsEarned(device_id="till-1", customer_id="c1", receipt_ref=f"R{n}", amount_cents=500, points=5)
            )
        service.store.apply_batch(PulledBatch(cursor=1, device_seq_through=3))
        assert [service.store.earn_for_receipt(f"R{n}") is not None for n in range(3)] == [False, True, True]


def test_the_cache_bound_is_the_smaller_of_the_count_and_the_memory():
    from device.config import BYTES_PER_CUSTOMER

    assert parse_config({"cache": {"max_customers": 1000, "max_memory_mb": 45}}).cache.customer_bound == 1000
    bound = parse_config({"cache": {"max_customers": 80_000, "max_memory_mb": 10}}).cache.customer_bound
    assert bound == 10_000_000 // BYTES_PER_CUSTOMER
    with pytest.raises(ConfigError, match="max_customers"):
        parse_config({"cache": {"max_customers": 0}})
