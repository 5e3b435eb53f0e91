"""Whether the data directory's disk is full, decided in one place for the screens, `kiosk status`, `kiosk doctor`
and the sync status.

The disk is full when less than `FULL_BELOW_BYTES` is free, or when a write failed for lack of space and
no more than `RECOVERED_MARGIN_BYTES` was freed since. Nothing else is needed to recover: once space is
freed the next look says so, and the next write goes through.
"""

from __future__ import annotations

import errno
import shutil
import threading
from pathlib import Path

#: Below this much free space the device records nothing new (a receipt's events and journal lines need far less).
FULL_BELOW_BYTES = 1024 * 1024
#: After a write failed for lack of space, this much more must be free before the disk counts as usable again.
RECOVERED_MARGIN_BYTES = 1024 * 1024
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL = "disk full"


def is_no_space(error: BaseException | None) -> bool:
    """True when `error`, or what caused it, is the file system saying there is no space left."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in _NO_SPACE:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def free_bytes(path: Path) -> int:
    """Free bytes on the disk holding `path` (or its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


class DiskWatch:
    """The data directory's disk as the device last found it: full or not, recovering by itself."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._free_at_failure: int | None = None

    def noticed(self, error: BaseException) -> bool:
        """Note a failed write; True when it failed for lack of space."""
        if not is_no_space(error):
            return False
        with self._lock:
            self._free_at_failure = self._free()
        return True

    @property
    def full(self) -> bool:
        free = self._free()
        with self._lock:
            if self._free_at_failure is not None and free > self._free_at_failure + RECOVERED_MARGIN_BYTES:
                self._free_at_failure = None
            return free < FULL_BELOW_BYTES or self._free_at_failure is not None

    def _free(self) -> int:
        try:
            return free_bytes(self.path)
        except OSError:  # the disk cannot even be asked: say nothing rather than something wrong
            return FULL_BELOW_BYTES
