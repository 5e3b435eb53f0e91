"""Where the service's log is: systemd's journal under systemd, else `DATA_DIR/kiosk.log` (kept small, rotated).

`kiosk serve` started by hand or by another supervisor has no journal; it then also writes its log to a file
in the data directory, and `kiosk logs` reads that file when the journal holds nothing for the unit, or says
plainly where to look when there is neither.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections import deque
from logging.handlers import RotatingFileHandler
from pathlib import Path

import click

from device.config import Config
from loyalty.errors import KioskError

LOG_NAME = "kiosk.log"
MAX_BYTES = 1_000_000
BACKUPS = 3


def log_file(config: Config) -> Path:
    return config.data_dir / LOG_NAME


def under_systemd() -> bool:
    """True when systemd started this process (its journal then keeps standard error)."""
    return bool(os.environ.get("INVOCATION_ID") or os.environ.get("JOURNAL_STREAM"))


def start_file_log(config: Config) -> None:
    """Outside systemd, also log to `DATA_DIR/kiosk.log` so `kiosk logs` finds the service's log."""
    if under_systemd():
        return
    config.data_dir.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(log_file(config), maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def journal_has_entries(journalctl: str, unit: str = "kiosk") -> bool:
    """False only when journalctl runs and has no line of the unit (a refusal is left for it to say)."""
    done = subprocess.run([journalctl, "-u", unit, "-n", "1", "-q", "--no-pager"], capture_output=True, text=True)
    return done.returncode != 0 or bool(done.stdout.strip())


def show_file(path: Path, lines: int, follow: bool) -> None:
    """The last `lines` lines of the service's log file; with `follow`, new lines until Ctrl-C."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in deque(handle, maxlen=lines):
                click.echo(line, nl=False)
            while follow:
                line = handle.readline()
                if line:
                    click.echo(line, nl=False)
                else:
                    time.sleep(0.5)
    except KeyboardInterrupt:
        return
    except OSError as exc:
        raise KioskError(f"cannot read the service's log {path}: {exc.strerror} (run with sudo)") from exc


def where_logs_are(config: Config | None, journalctl: str | None) -> str:
    """The message when neither the journal nor the log file has anything."""
    journal = (
        "the journal has no entries for the kiosk unit (is the service installed and started? "
        "sudo systemctl status kiosk)"
        if journalctl
        else "journalctl is not installed"
    )
    file = log_file(config) if config is not None else f"DATA_DIR/{LOG_NAME}"
    return (
        f"no log of the kiosk service here: {journal}, and there is no {file} (written when `kiosk serve` "
        "runs outside systemd)"
    )


def find_journalctl() -> str | None:
    return shutil.which("journalctl")
