"""Building the worker from the device configuration, and enrolling through central's API."""

from __future__ import annotations

import os

import pytest

from device.config import CentralConfig, Config, PathsConfig, parse_config
from device.sync.setup import build_worker, enrol, token_file
from loyalty.errors import ConfigError, DeviceNotEnrolled, SyncRefused


def _config(tmp_path, url: str) -> Config:
    return Config(paths=PathsConfig(str(tmp_path)), central=CentralConfig(url=url, timeout_s=5))


def test_no_central_url_means_no_worker(tmp_path, open_store):
    assert build_worker(_config(tmp_path, ""), open_store("till-1")) is None


def test_not_enrolled_is_said_plainly(tmp_path, open_store):
    with pytest.raises(DeviceNotEnrolled, match="kiosk sync enrol"):
        build_worker(_config(tmp_path, "http://127.0.0.1:9"), open_store("till-1"))


def test_enrol_saves_a_private_token_and_the_worker_syncs(tmp_path, central_server, open_store):
    from central.devices import create_enrolment_code
    from central.transactions import in_transaction

    config = _config(tmp_path, central_server.url)
    code = in_transaction(central_server.engine, lambda c: create_enrolment_code(c, config.device.id))
    with pytest.raises(SyncRefused):
        enrol(config, "wrong-code")
    enrol(config, code)
    assert os.stat(token_file(config).path).st_mode & 0o777 == 0o600
    worker = build_worker(config, open_store(config.device.id))
    assert worker.sync_once().state == "idle"


def test_sync_keys_are_checked():
    assert parse_config({"central": {"push_batch": 200}}).central.push_batch == 200
    with pytest.raises(ConfigError, match="push_batch"):
        parse_config({"central": {"push_batch": 0}})
