"""The CLI and the service as separate processes, as on a Pi: the lock file and the local API between them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import write_config
from tests.spawned import wait_answering

ROOT = Path(__file__).resolve().parents[2]


def _kiosk(env, *args, check=False):
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=check,
    )


def test_commands_against_a_service_in_its_own_process(tmp_path):
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    port = int(config.read_text().split("port = ")[1].split()[0])
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_answering(f"http://127.0.0.1:{port}/api/status", server)
        status = json.loads(_kiosk(env, "status", "--json", check=True).stdout)
        assert status["service_running"] and status["devices"]["reader"] == "ok"
        backup = _kiosk(env, "backup", str(tmp_path / "b.tgz"))
        assert backup.returncode == 0, backup.stderr
        refused = _kiosk(env, "restore", str(tmp_path / "b.tgz"))
        assert refused.returncode == 8 and "sudo systemctl stop kiosk" in refused.stderr
        printed = _kiosk(env, "test-printer")
        assert printed.returncode == 0 and "through the running service" in printed.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert server.returncode == 0
    status = json.loads(_kiosk(env, "status", "--json", check=True).stdout)
    assert status["service_running"] is False
    restored = _kiosk(env, "restore", str(tmp_path / "b.tgz"))
    assert restored.returncode == 0, restored.stderr
