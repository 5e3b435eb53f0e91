"""A technician's command starts without the central server: no SQLAlchemy, Alembic or pygal is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGES = {"sqlalchemy", "alembic", "pygal"}


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """Top-level packages `python -X importtime ARGS` imported, read from its import-time report."""
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "encodings" in names, done.stderr[-2000:]  # the report was read
    return names


@pytest.mark.parametrize("args", [("status",), ("--help",)], ids=["status", "help"])
def test_a_device_command_loads_no_central_server_package(tmp_path, args):
    imported = _imported(tmp_path, "-m", "kiosk", *args)
    assert "kiosk" in imported and not imported & SERVER_PACKAGES


def test_the_reading_sees_the_server_packages_once_imported(tmp_path):
    """The same reading of the report finds them when they are imported, so the test above can fail."""
    assert _imported(tmp_path, "-c", "import central.backoffice.charts, central.db, alembic") >= SERVER_PACKAGES
