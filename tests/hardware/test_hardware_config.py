"""The hardware keys added to the configuration: defaults, checks, and the documented example file."""

import tomllib
from pathlib import Path

import pytest

from device.config import parse_config
from loyalty.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


def test_defaults_and_example():
    hardware = parse_config({}).hardware
    assert (hardware.printer_columns, hardware.printer_job_max_age_s, hardware.scanner_keyboard) == (42, 600, "")
    example = parse_config(tomllib.loads(EXAMPLE.read_text())).hardware
    assert example.printer_job_max_age_s == 600 and example.printer_columns == 42


@pytest.mark.parametrize("key", ["printer_columns", "printer_job_max_age_s"])
def test_zero_is_refused(key):
    with pytest.raises(ConfigError, match=f"hardware.{key} = 0 is not allowed"):
        parse_config({"hardware": {key: 0}})
