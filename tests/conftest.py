"""Fixtures shared by the whole suite: a device configuration and service in a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from device.config import Config, parse_config


@pytest.fixture
def config(tmp_path) -> Config:
    return parse_config(
        {
            "device": {"id": "test-till-1", "role": "till", "name": "Caisse test"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
        }
    )


@pytest.fixture
def service(config):
    from kiosk.service import KioskService

    with KioskService.open(config, devices=False) as opened:
        yield opened


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message + " (this is a failure when CI=true)")


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
