"""One lock file per data directory: the service holds it while it runs, so no other process writes its files.

The store's journal has a single writer. The service takes `DATA_DIR/kiosk.lock` (flock) when it opens and
keeps it until it closes; a `kiosk` command that must open the store or the devices itself takes the same
lock for its duration, and one that only needs to know whether the service runs tests the lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

from device.private_files import make_private
from loyalty.errors import ServiceBusy, StoreError

logger = logging.getLogger(__name__)

LOCK_NAME = "kiosk.lock"
STOP_SERVICE = "stop the service first: sudo systemctl stop kiosk"


def lock_path(data_dir: Path) -> Path:
    return Path(data_dir) / LOCK_NAME


class ServiceLock:
    """An exclusive flock on `DATA_DIR/kiosk.lock`; released by `release()` or when the process ends."""

    def __init__(self, data_dir: Path) -> None:
        self.path = lock_path(data_dir)
        self._fd: int | None = None
        self._holder = ""

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait_s: float = 0.0, holder: str = "kiosk") -> ServiceLock:
        """Take the lock, waiting up to `wait_s`; ServiceBusy when another process keeps it."""
        if self._fd is not None:
            return self
        try:
            make_private(self.path.parent)  # every writer of the data directory passes here first
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot open the lock file {self.path}: {exc.strerror} "
                "(run the command with sudo, or as the kiosk user)"
            ) from exc
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ServiceBusy(_busy_message(self.path)) from None
                time.sleep(0.05)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {holder}\n".encode())
        except OSError as exc:  # a full disk: the lock is held all the same, only its note of who holds it is missing
            logger.warning("lock taken, but who holds it could not be written: %s", exc.strerror)
        self._fd = fd
        self._holder = holder
        return self

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self._holder != "service":
                hand_back(self.path.parent)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> ServiceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def hand_back(data_dir: Path) -> None:
    """After `sudo kiosk ...`, give the files root made in the data directory to the directory's owner.

    The service runs as its own user (`kiosk`); a journal, snapshot or print-job file left owned by root
    would stop it from writing at its next start.
    """
    if os.geteuid() != 0:
        return
    try:
        owner = data_dir.stat()
    except OSError:
        return
    if owner.st_uid == 0:
        return
    for top, dirs, files in os.walk(data_dir):
        for name in dirs + files:
            path = os.path.join(top, name)
            try:
                if os.lstat(path).st_uid == 0:
                    os.lchown(path, owner.st_uid, owner.st_gid)
            except OSError as exc:
                logger.warning("cannot give %s back to uid %d: %s", path, owner.st_uid, exc.strerror)


def holder(data_dir: Path) -> str | None:
    """Who holds the lock of `data_dir` ("service", "backup", ...), or None when nobody does."""
    if not is_locked(data_dir):
        return None
    try:
        text = lock_path(data_dir).read_text(encoding="utf-8").split(maxsplit=1)
    except OSError:
        return "unknown"
    return text[1].strip() if len(text) == 2 else "unknown"


def is_locked(data_dir: Path) -> bool:
    """True when some process (normally the running service) holds the lock of `data_dir`."""
    path = lock_path(data_dir)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(
            f"cannot open the lock file {path}: {exc.strerror} (run the command with sudo, or as the kiosk user)"
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _busy_message(path: Path) -> str:
    try:
        pid, _, who = path.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        pid, who = "?", ""
    if who == "service":
        return f"the kiosk service (pid {pid}) is using {path.parent}: {STOP_SERVICE}"
    return (
        f"another kiosk command ({who or 'unknown'}, pid {pid}) is using {path.parent}: wait for it to "
        "finish, or stop it with Ctrl-C where it runs"
    )
