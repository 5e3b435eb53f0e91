"""Fixtures shared by the whole suite: a device configuration and service in a temporary directory."""

from __future__ import annotations

import pytest

from kiosk.config import Config, parse_config


@pytest.fixture
def config(tmp_path) -> Config:
    return parse_config({
        "device": {"id": "test-till-1", "role": "till", "name": "Caisse test"},
        "paths": {"data_dir": str(tmp_path / "data")},
        "hardware": {"mode": "emulated"},
    })


@pytest.fixture
def service(config):
    from kiosk.service import KioskService

    with KioskService.open(config) as opened:
        yield opened
