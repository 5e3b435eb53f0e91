"""The systemd units: checked by `systemd-analyze verify` in a tree where their programs exist, and read."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from .installer import REPO

UNITS = ("kiosk.service", "kiosk-display.service", "kiosk-central.service")
NEEDS = "Debian's systemd package provides systemd-analyze: run tools/install-system-deps.sh"


def _systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail(NEEDS)
    return path


def _verify(root: Path, unit_text: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """systemd-analyze verify of the units placed in root, with stub programs at their ExecStart paths."""
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True, exist_ok=True)
    for program in ("opt/kiosk/venv/bin/kiosk", "usr/bin/cage"):
        stub = root / program
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    for name, text in unit_text.items():
        (unit_dir / name).write_text(text)
    return subprocess.run(
        [_systemd_analyze(), "verify", f"--root={root}", "--man=no", "--recursive-errors=no", *unit_text],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("unit", UNITS)
def test_unit_passes_systemd_analyze_verify(tmp_path, unit):
    result = _verify(tmp_path, {unit: (REPO / "systemd" / unit).read_text()})
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_verify_does_catch_a_broken_unit(tmp_path):
    text = (REPO / "systemd/kiosk.service").read_text()
    broken = text.replace("WatchdogSec=", "WatchdogSecs=").replace("/opt/kiosk/venv/bin/kiosk", "/opt/kiosk/missing")
    result = _verify(tmp_path, {"kiosk.service": broken})
    assert result.returncode != 0
    assert "Unknown key" in result.stderr and "WatchdogSecs" in result.stderr
    assert "/opt/kiosk/missing" in result.stderr


def _service(unit: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(REPO / "systemd" / unit)
    return parser["Service"]


def test_kiosk_service_is_notify_watchdog_hardened():
    service = _service("kiosk.service")
    expected = {
        "Type": "notify",
        "NotifyAccess": "main",
        "WatchdogSec": "30s",
        "Restart": "on-failure",
        "StateDirectory": "kiosk",
        "User": "kiosk",
        "SupplementaryGroups": "spi gpio dialout input",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "ExecStart": "/opt/kiosk/venv/bin/kiosk serve",
        "Environment": "PYTHONUNBUFFERED=1",
    }
    for key, value in expected.items():
        assert service[key] == value, key
    assert "PrivateDevices" not in service and "DeviceAllow" not in service  # SPI, GPIO and serial stay reachable


def test_display_unit_runs_chromium_kiosk_under_cage_and_restarts():
    service = _service("kiosk-display.service")
    assert service["ExecStart"].startswith("/usr/bin/cage ")
    assert "${KIOSK_BROWSER} --kiosk" in service["ExecStart"] and service["ExecStart"].endswith("${KIOSK_URL}")
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/kiosk/display.env"
    assert service["User"] == "kiosk-display" and service["TTYPath"] == "/dev/tty1"


def test_central_unit():
    service = _service("kiosk-central.service")
    assert service["ExecStart"] == "/opt/kiosk/venv/bin/kiosk central serve"
    # central's own state directory, the one central's settings name by default (ProtectSystem=strict)
    from central.settings import DEFAULT_DATA_DIR
    from kiosk.central_host import STATE_DIR

    assert service["Restart"] == "on-failure" and service["StateDirectory"] == "kiosk-central"
    assert f"/var/lib/{service['StateDirectory']}" == DEFAULT_DATA_DIR == STATE_DIR
    assert service["EnvironmentFile"] == "-/etc/kiosk/central.env"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"


def test_install_sh_passes_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("Debian's shellcheck package is needed: run tools/install-system-deps.sh")
    result = subprocess.run(
        [shellcheck, "--severity=style", str(REPO / "install.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def _exposure(unit: str) -> float:
    import re
    import shutil

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze (package systemd) is needed to score the units")
    done = subprocess.run(
        [analyze, "security", "--offline=yes", "--root=/", str(REPO / "systemd" / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    return float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout).group(1))


def test_the_screen_unit_is_hardened_as_far_as_chromium_allows():
    service = _service("kiosk-display.service")
    assert _exposure("kiosk-display.service") < 5.0  # systemd-analyze: 9.2 "UNSAFE" before
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["IPAddressDeny"] == "any" and service["IPAddressAllow"] == "localhost"
    # What would stop Chromium (its JIT, its namespace sandbox) or cage (its devices) is not set.
    for breaks_chromium in (
        "MemoryDenyWriteExecute",
        "RestrictNamespaces",
        "PrivateUsers",
        "PrivateDevices",
        "DevicePolicy",
        "ProcSubset",
    ):
        assert breaks_chromium not in service, breaks_chromium
