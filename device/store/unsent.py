"""Reading unsent events out of store files without changing them: for `restore`'s merge and `kiosk salvage`.

A store's unsent events are read from a copy of its files in a temporary directory, so the recovery that
opening does (moving damaged files aside, compacting) never touches the originals. A damaged journal is
read line by line: lines whose check passes are taken as they are; lines whose check fails but whose text is
still a valid event of this device are offered too, marked unchecked (a technician decides to send them).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from device.store.outbox_copies import COPY_NAME, JOURNAL_NAME
from device.store.store import SNAPSHOT_NAME, Store
from loyalty.domain.events import Event, from_record
from loyalty.errors import KioskError

STORE_FILES = (SNAPSHOT_NAME, JOURNAL_NAME, COPY_NAME)


def unsent_events(store_dir: Path, device_id: str) -> list[Event]:
    """The events of the store in `store_dir` that central has not acknowledged, in seq order."""
    with tempfile.TemporaryDirectory(prefix="kiosk-unsent-") as tmp:
        copied = False
        for name in STORE_FILES:
            if (store_dir / name).exists():
                shutil.copyfile(store_dir / name, Path(tmp) / name)
                copied = True
        if not copied:
            return []
        with Store.open(Path(tmp), device_id) as store:
            return store.pending()


@dataclass
class Salvaged:
    """Events found in one damaged or set-aside file: checked ones, and unchecked ones (their line's CRC failed)."""

    path: Path
    events: list[Event] = field(default_factory=list)
    unchecked: list[Event] = field(default_factory=list)
    unreadable_lines: int = 0


def salvage_file(path: Path, device_id: str) -> Salvaged:
    """Every event of `device_id` still readable in a journal-format file, however damaged."""
    found = Salvaged(path)
    seen: set[str] = set()
    for line in path.read_bytes().split(b"\n"):
        if not line.strip(b"\0 \t\r"):
            continue
        text = line[9:] if len(line) > 9 and line[8:9] == b" " else line
        checked = len(line) > 9 and line[8:9] == b" " and _crc_ok(line)
        try:
            payload = json.loads(text)
            record = payload["event"] if isinstance(payload, dict) and "event" in payload else None
            if record is None:
                if not (isinstance(payload, dict) and ("header" in payload or "ack" in payload)):
                    found.unreadable_lines += 1
                continue
            event = from_record(record)
        except (ValueError, KeyError, TypeError, KioskError):
            found.unreadable_lines += 1
            continue
        if event.device_id != device_id or event.seq is None or event.event_id in seen:
            continue
        seen.add(event.event_id)
        (found.events if checked else found.unchecked).append(event)
    return found


def _crc_ok(line: bytes) -> bool:
    try:
        return int(line[:8], 16) == zlib.crc32(line[9:])
    except ValueError:
        return False


def salvage_sources(store_dir: Path) -> list[Path]:
    """Files set aside by recovery or by restore that may hold events: `*.corrupt-*`, `before-restore-*/`."""
    found = sorted(store_dir.glob("outbox*.jsonl.corrupt-*"))
    for aside in sorted(store_dir.glob("before-restore-*")):
        found += [aside / name for name in (JOURNAL_NAME, COPY_NAME) if (aside / name).is_file()]
    return found
