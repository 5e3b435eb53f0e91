"""The sync worker's last status on disk, so `kiosk sync status` can show it from another process."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path

from device.sync.worker import SyncStatus

log = logging.getLogger(__name__)


class StatusFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def write(self, status: SyncStatus) -> None:
        """Replace the file atomically; a failure is logged, never raised (status is informative only)."""
        temp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp.write_text(json.dumps(dataclasses.asdict(status)), encoding="utf-8")
            os.replace(temp, self.path)
        except OSError as exc:
            log.warning("cannot write the sync status file %s: %s", self.path, exc.strerror)

    def read(self) -> SyncStatus | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return SyncStatus(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("the sync status file %s is unreadable", self.path)
            return None
