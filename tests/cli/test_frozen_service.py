"""Against a frozen service (SIGSTOP: it holds its lock, its socket accepts, nothing answers) every command that
talks to it gives up quickly and says what to do, with exit code 9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import write_config
from tests.spawned import wait_answering

ROOT = Path(__file__).resolve().parents[2]
#: Far above the commands' own deadline: only guards the test run against a command that hangs.
HANG_GUARD_S = 60


def _wait_answering(port: int, server: subprocess.Popen) -> None:
    wait_answering(f"http://127.0.0.1:{port}/api/status", server)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("frozen")
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "data", central_url="http://127.0.0.1:9")
    env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    port = int(config.read_text().split("port = ")[1].split()[0])
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_answering(port, server)
        server.send_signal(signal.SIGSTOP)
        yield env, tmp_path
    finally:
        server.send_signal(signal.SIGCONT)
        _wait_answering(port, server)  # a stop asked while it catches up could be missed
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize(
    "args",
    [["backup", "{tmp}/b.tgz"], ["doctor"], ["status"], ["sync"], ["test-printer"], ["test-reader", "--seconds", "1"]],
)
def test_every_command_says_the_service_is_not_answering(frozen, args):
    env, tmp_path = frozen
    argv = [a.format(tmp=tmp_path) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=HANG_GUARD_S
    )
    assert done.returncode == 9, (done.stdout, done.stderr)
    assert "the service is not answering: sudo systemctl restart kiosk" in done.stderr
    assert not (tmp_path / "b.tgz").exists()
