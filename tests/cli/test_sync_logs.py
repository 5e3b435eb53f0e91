"""`kiosk sync` (now, with progress), `kiosk enroll`, and `kiosk logs`."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from central.devices import create_enrolment_code
from central.transactions import in_transaction
from device.config import load_config
from device.store import Store
from kiosk.cli import main
from kiosk.service import store_dir
from tests.central.databases import sqlite_url  # noqa: F401  (fixture used by central_server)
from tests.cli.conftest import start_service, stop_service, write_config
from tests.cli.helpers import record_sales


@pytest.fixture
def central_server(sqlite_url):  # noqa: F811
    from central.embedded import start_background

    server = start_background(sqlite_url, threads=4)
    yield server
    server.stop()
    server.engine.dispose()


@pytest.fixture
def enrolled(tmp_path, central_server, monkeypatch):
    path = write_config(tmp_path / "kiosk.toml", tmp_path / "data", device_id="till-5", central_url=central_server.url)
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    code = in_transaction(central_server.engine, lambda c: create_enrolment_code(c, "till-5"))
    result = CliRunner().invoke(main, ["enroll", code])
    assert result.exit_code == 0, result.output
    assert "enrolled with" in result.output
    return load_config(path)


def test_sync_now_with_the_service_stopped_sends_everything(enrolled):
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        record_sales(store, enrolled, 6)
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 0, result.output
    assert "sending events" in result.output and "sync done: 0 events still to send" in result.output
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        assert store.pending_count() == 0


def test_sync_now_through_the_running_service(enrolled):
    running = start_service(enrolled, devices=False)
    try:
        running.service.sync.sync_once()  # the first round, as the worker does on start
        record_sales(running.service.store, enrolled, 4)
        assert running.service.store.pending_count() == 4
        result = CliRunner().invoke(main, ["sync"])
        assert result.exit_code == 0, result.output
        assert "sync done: 0 events still to send" in result.output
        assert running.service.store.pending_count() == 0
    finally:
        stop_service(running)


def test_sync_now_when_central_is_down_says_so_and_keeps_the_events(enrolled, central_server):
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        record_sales(store, enrolled, 2)
    central_server.stop()
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 6
    assert "sync failed" in result.output and "2 events still to send" in result.output
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        assert store.pending_count() == 2


def test_sync_subcommands_are_kept(enrolled):
    result = CliRunner().invoke(main, ["sync", "status"])
    assert result.exit_code == 0 and "enrolled:       yes" in result.output
    assert "enrol" in CliRunner().invoke(main, ["sync", "--help"]).output


def test_sync_without_central_says_the_device_works_alone(config_file):
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 0 and "works alone" in result.output


def _fake_journalctl(tmp_path, monkeypatch, code: int = 0):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "journalctl"
    script.write_text(f'#!/bin/sh\necho "journalctl $*"\nexit {code}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def test_logs_runs_journalctl_for_the_kiosk_unit(tmp_path, monkeypatch, capfd):
    _fake_journalctl(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["logs", "-n", "20", "-f", "--since", "1 hour ago"])
    assert result.exit_code == 0, result.output
    shown = capfd.readouterr().out
    assert "-u kiosk --no-pager -o short-iso -n 20 --since 1 hour ago -f" in shown


def test_logs_names_the_fix_when_journalctl_refuses(tmp_path, monkeypatch):
    _fake_journalctl(tmp_path, monkeypatch, code=1)
    result = CliRunner().invoke(main, ["logs"])
    assert result.exit_code == 2 and "systemd-journal" in result.output


def test_logs_without_journalctl_says_where_the_log_is(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["logs"])
    assert result.exit_code == 2 and "journalctl is not installed" in result.output


def _doctor_central():
    import json

    result = CliRunner().invoke(main, ["doctor", "--json"])
    return result.exit_code, next(c for c in json.loads(result.output)["checks"] if c["name"] == "central")


def test_doctor_names_a_revoked_token(enrolled, central_server):
    from central.devices import revoke

    assert CliRunner().invoke(main, ["sync"]).exit_code == 0
    assert _doctor_central()[1]["status"] == "ok"
    in_transaction(central_server.engine, lambda c: revoke(c, "till-5"))
    assert CliRunner().invoke(main, ["sync"]).exit_code == 6
    code, central = _doctor_central()
    assert code == 1 and central["status"] == "fail"
    assert "revoked" in central["message"] and "enrolment code" in central["fix"]


def test_doctor_names_an_unreachable_central(enrolled, central_server):
    assert CliRunner().invoke(main, ["sync"]).exit_code == 0
    central_server.stop()
    assert CliRunner().invoke(main, ["sync"]).exit_code == 6
    code, central = _doctor_central()
    assert code == 1 and central["status"] == "fail" and "cannot reach" in central["message"]
