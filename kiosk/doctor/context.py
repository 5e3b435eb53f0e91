"""What the doctor's checks look at (config, a filesystem root, the running service's state) and return."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from device.config import Config

SERVICE_USER = "kiosk"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: what is wrong in plain words and the command that fixes it."""

    name: str
    status: Status
    message: str
    fix: str = ""


@dataclass(frozen=True)
class SyncState:
    """What the sync worker last saw of central."""

    reachable: bool
    token_revoked: bool = False
    last_error: str | None = None
    #: This device's clock minus central's, as the sync last measured it (None: never measured).
    clock_skew_s: float | None = None


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


def module_available(name: str) -> bool:
    """True when the Python module can be imported by this interpreter."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def run_host_command(argv: Sequence[str]) -> str | None:
    """Run a read-only system command and return its output, or None when it is missing or fails."""
    try:
        completed = subprocess.run(list(argv), capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout


@dataclass(frozen=True)
class DoctorContext:
    """Everything the checks read. `root` prefixes every system path so tests can use a fake tree.

    The providers come from the running product: `device_status` returns each device's state by name
    ("reader", "printer": "ok", "absent", "silent", "paper_out", "offline", ...), `sync_state` what the sync
    worker last saw, `store_problems` what the store found wrong with its files. A provider left as None
    means the doctor cannot ask, and the matching check says so as a warning.
    `run_command` runs host commands such as `timedatectl`; by default only when `root` is "/".
    `disk_usage` and `has_module` are the host's own unless a test passes others.
    """

    config: Config
    root: Path = Path("/")
    user: str = SERVICE_USER
    device_status: Callable[[], Mapping[str, object]] | None = None
    sync_state: Callable[[], SyncState] | None = None
    store_problems: Callable[[], tuple[str, ...]] | None = None
    run_command: Callable[[Sequence[str]], str | None] | None = None
    disk_usage: Callable[[Path], DiskUsage] = shutil.disk_usage  # type: ignore[assignment]
    has_module: Callable[[str], bool] = module_available

    def path(self, absolute: str | Path) -> Path:
        """The path of a system file under this context's root."""
        return self.root / str(absolute).lstrip("/")

    @property
    def on_host(self) -> bool:
        return self.root == Path("/")

    def command(self, argv: Sequence[str]) -> str | None:
        """Output of a host command, or None when it cannot be run here."""
        if self.run_command is not None:
            return self.run_command(argv)
        if self.on_host:
            return run_host_command(argv)
        return None
