"""Events central refused for good, kept aside on the device instead of being retried forever.

When central refuses one event of a push and names it (a kind a device may not make, an amount beyond
the rules), sending it again can never succeed, and retrying it would hold back every event behind it.
The device writes it here first (one JSON line, fsync'd, file 0600), then drops it from the outbox and
goes on. Nothing is lost: a technician sees the count in `kiosk status`, the back office sees central's
note of the refusal, and the file keeps each event with central's reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from loyalty.domain.events import Event, now_local, to_record

FILE_NAME = "set-aside.jsonl"


class SetAsideEvents:
    """The append-only file of refused events in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME

    def keep(self, event: Event, reason: str) -> None:
        """Append the event with central's reason; on disk before the caller drops it from the outbox."""
        line = (
            json.dumps({"at": now_local(), "reason": reason, "event": to_record(event)}, separators=(",", ":")) + "\n"
        )
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[dict]:
        """Every event set aside, oldest first, each as {at, reason, event}."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        kept = []
        for line in text.splitlines():
            try:
                kept.append(json.loads(line))
            except ValueError:  # a line cut by a power loss: the event is still in the outbox
                continue
        return kept

    def count(self) -> int:
        return len(self.entries())
