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

from kiosk.errors import ServiceBusy, StoreError

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

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait_s: float = 0.0, holder: str = "kiosk") -> ServiceLock:
        """Take the lock, waiting up to `wait_s`; ServiceBusy when another process keeps it."""
        if self._fd is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        except OSError as exc:
            raise StoreError(f"cannot open the lock file {self.path}: {exc.strerror} "
                             "(run the command with sudo, or as the kiosk user)") from exc
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ServiceBusy(f"another kiosk process (the service or a kiosk command) is using "
                                      f"{self.path.parent}; {STOP_SERVICE}, or wait for the other command "
                                      "to finish") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {holder}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> ServiceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(data_dir: Path) -> bool:
    """True when some process (normally the running service) holds the lock of `data_dir`."""
    path = lock_path(data_dir)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"cannot open the lock file {path}: {exc.strerror} "
                         "(run the command with sudo, or as the kiosk user)") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
