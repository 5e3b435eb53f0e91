"""The central role on plain Debian: its own state directory, a central.env that works, its own doctor and status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from device.config import load_config
from kiosk import central_host
from kiosk.doctor import DoctorContext, Status, run_doctor
from tests.cli.conftest import free_port
from tests.spawned import wait_answering

from .installer import REPO, run_install

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def central_root(tmp_path: Path) -> Path:
    root = tmp_path / "debian"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")
    run_install(root, "--role", "central", "--no-venv")
    return root


def test_install_writes_a_central_config_and_settings_that_start(central_root):
    config = load_config(central_root / "etc/kiosk/kiosk.toml")
    assert config.device.role == "central" and str(config.data_dir) == central_host.STATE_DIR
    settings = central_host.load_host_settings(central_root)
    assert settings.data_dir == central_host.STATE_DIR and settings.port == 8700
    assert len(settings.admin_token) == 48
    assert (central_root / "var/lib/kiosk-central").is_dir() and not (central_root / "var/lib/kiosk").exists()
    env = central_root / "etc/kiosk/central.env"
    assert oct(env.stat().st_mode & 0o777) == "0o640"
    unit = (REPO / "systemd/kiosk-central.service").read_text()
    assert "StateDirectory=kiosk-central\n" in unit and "EnvironmentFile=-/etc/kiosk/central.env" in unit


def test_doctor_on_central_checks_central_not_a_card_reader(central_root):
    ctx = DoctorContext(config=load_config(central_root / "etc/kiosk/kiosk.toml"), root=central_root)
    results = {r.name: r for r in run_doctor(ctx)}
    assert list(results) == ["central_settings", "central_data_dir", "central_server", "clock", "disk"]
    assert results["central_settings"].status is Status.OK and results["central_data_dir"].status is Status.OK


def test_doctor_names_a_data_dir_the_unit_cannot_write(central_root):
    env = central_root / "etc/kiosk/central.env"
    env.write_text(env.read_text().replace("CENTRAL_DATA_DIR=/var/lib/kiosk-central", "CENTRAL_DATA_DIR=/srv/central"))
    ctx = DoctorContext(config=load_config(central_root / "etc/kiosk/kiosk.toml"), root=central_root)
    result = next(r for r in run_doctor(ctx) if r.name == "central_data_dir")
    assert result.status is Status.FAIL and "may only write in /var/lib/kiosk-central" in result.message
    env.unlink()
    result = next(r for r in run_doctor(ctx) if r.name == "central_settings")
    assert result.status is Status.FAIL and "central.env not found" in result.message


def _kiosk(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )


def test_status_and_doctor_on_a_running_central(central_root, tmp_path):
    port = free_port()
    env_file = tmp_path / "central.env"
    env_file.write_text(f"CENTRAL_DATA_DIR={tmp_path / 'central-data'}\nCENTRAL_HOST=127.0.0.1\nCENTRAL_PORT={port}\n")
    config = tmp_path / "kiosk.toml"
    config.write_text((central_root / "etc/kiosk/kiosk.toml").read_text())
    env = {**os.environ, "KIOSK_CONFIG": str(config), "KIOSK_CENTRAL_ENV": str(env_file), "PYTHONPATH": str(REPO)}

    stopped = _kiosk(env, "status", "--json")
    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout)["running"] is False
    assert "kiosk-central" in _kiosk(env, "status").stdout
    refused = _kiosk(env, "serve")
    assert refused.returncode == 3 and "this host runs the central server" in refused.stderr

    server_env = {**env, **central_host.read_env_file(env_file)}
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "central", "serve"],
        env=server_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_answering(f"http://127.0.0.1:{port}/api/health", server, within_s=60)
        status = json.loads(_kiosk(env, "status", "--json").stdout)
        assert status["running"] is True and status["unit"] == "kiosk-central.service"
        doctor = _kiosk(env, "doctor", "--json")
        checks = {c["name"]: c["status"] for c in json.loads(doctor.stdout)["checks"]}
        assert checks["central_server"] == "ok" and "spi" not in checks and "reader" not in checks
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_doctor_json_with_no_configuration_reports_a_failed_check(tmp_path):
    env = {**os.environ, "KIOSK_CONFIG": str(tmp_path / "absent.toml"), "PYTHONPATH": str(REPO)}
    done = _kiosk(env, "doctor", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False and [c["name"] for c in report["checks"]] == ["config"]
    assert report["checks"][0]["status"] == "fail" and "absent.toml not found" in report["checks"][0]["message"]
    assert "install.sh" in report["checks"][0]["fix"]
    plain = _kiosk(env, "doctor")
    assert plain.returncode == 1 and "absent.toml not found" in plain.stdout


def test_logs_on_the_central_host_reads_the_central_unit(central_root, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "journalctl").write_text('#!/bin/sh\necho "journalctl $*"\n')
    (bindir / "journalctl").chmod(0o755)
    config = tmp_path / "kiosk.toml"
    config.write_text((central_root / "etc/kiosk/kiosk.toml").read_text())
    env = {
        **os.environ,
        "KIOSK_CONFIG": str(config),
        "PYTHONPATH": str(REPO),
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
    }
    done = _kiosk(env, "logs", "-n", "5")
    assert done.returncode == 0 and "-u kiosk-central --no-pager" in done.stdout
