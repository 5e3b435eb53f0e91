"""The outbox journal: an append-only file of this device's events, one CRC-checked JSON line each.

Line format: 8 hex digits of the CRC32 of the JSON text, a space, the JSON text, a newline. The first line
is a header `{"header": {"schema", "device_id", "base_seq"}}`; then `{"event": {...}}` lines and
`{"ack": [event ids]}` lines. A line is on disk (fsync'd) before the store acts on it. Compaction rewrites
the whole file atomically; `base_seq` then remembers the highest sequence number ever given, so numbering
stays monotonic even if every event line was dropped.
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from device.store.fileops import FileOps
from loyalty.domain.events import Event, from_record, to_record
from loyalty.errors import KioskError, StoreError, StoreWriteError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def seq_of(event: Event) -> int:
    """An outbox event's sequence number: the store gives one to each event it records, and reads none back
    without it."""
    if event.seq is None:
        raise StoreError(f"event {event.event_id} has no sequence number: the store did not record it")
    return event.seq


def encode_line(payload: dict) -> bytes:
    """One journal line: CRC32 of the JSON text, the text, a newline."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return b"%08x %s\n" % (zlib.crc32(text), text)


def decode_line(line: bytes) -> dict:
    """The payload of one journal line (without its newline); ValueError if torn or damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        raise ValueError("line too short or malformed")
    text = line[9:]
    if int(line[:8], 16) != zlib.crc32(text):
        raise ValueError("CRC mismatch")
    payload = json.loads(text)
    if not isinstance(payload, dict) or len(payload) != 1:
        raise ValueError("payload is not a one-key object")
    return payload


def move_aside(path: Path) -> Path:
    """Rename a damaged file to `NAME.corrupt-<timestamp>` (never overwriting an earlier one)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target


@dataclass
class JournalContents:
    """What a journal held when opened: its events in file order, acknowledged ids, and recoveries."""

    base_seq: int = 0
    #: The highest seq folded at central when the journal was last compacted (lost-event checks start above it).
    seq_through: int = 0
    events: list[Event] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    created: bool = False


class OutboxJournal:
    """Appends events and acknowledgements durably; on failure the file is cut back to its last whole line."""

    def __init__(self, path: Path, device_id: str, fileops: FileOps) -> None:
        self.path = path
        self.device_id = device_id
        self._ops = fileops
        self._fd: int | None = None
        self._size = 0
        self._cut_back_to: int | None = None

    @classmethod
    def open(cls, path: Path, device_id: str, fileops: FileOps) -> tuple[OutboxJournal, JournalContents]:
        """Open (creating or recovering) the journal at `path` and return it with what it holds."""
        journal = cls(path, device_id, fileops)
        contents = journal._recover()
        journal._open_fd()
        return journal, contents

    @classmethod
    def open_unread(cls, path: Path, device_id: str, fileops: FileOps) -> OutboxJournal:
        """Open the journal at `path` for appending without reading it (its twin was read and found equal)."""
        journal = cls(path, device_id, fileops)
        journal._open_fd()
        return journal

    # -- reading and recovery -------------------------------------------------------------------------

    def _recover(self) -> JournalContents:
        """Read the journal line by line (no list of all its lines), keeping its events; repair what is torn."""
        contents = JournalContents()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        except OSError as exc:
            raise StoreError(f"cannot read the outbox journal {self.path}: {exc}") from exc
        if not data:
            self.rewrite(0, [], set())
            contents.created = True
            return contents
        good_length = data.rfind(b"\n") + 1
        undecodable: list[int] = []  # line numbers whose CRC or JSON fails
        damaged: list[int] = []  # line numbers that decode but do not make sense
        header: dict | None = None
        seen: set[str] = set()
        count = last_start = pos = 0
        while pos < good_length:
            end = data.index(b"\n", pos)
            line, last_start, pos = data[pos:end], pos, end + 1
            count += 1
            try:
                payload = decode_line(line)
            except (ValueError, UnicodeDecodeError):
                undecodable.append(count)
                continue
            if count == 1:
                if "header" in payload:
                    header = payload["header"]
                    self._check_header(header)
                    contents.base_seq = _whole(header.get("base_seq", 0))
                    contents.seq_through = _whole(header.get("seq_through", 0))
                else:
                    damaged.append(1)
                continue
            if not self._take(payload, contents, seen):
                damaged.append(count)
        if count > 1 and undecodable == [count]:
            # A whole last line that fails its check is a torn write too (e.g. zeros after a power cut).
            good_length, undecodable = last_start, []
        tail = data[good_length:]
        del data
        if tail:
            message = (
                f"dropped an incomplete last line of the outbox journal ({len(tail)} bytes, "
                "never acknowledged: normal after a power cut)"
            )
            logger.warning("%s", message)
            contents.problems.append(message)
        damaged.extend(undecodable)
        contents.events.sort(key=seq_of)
        contents.acked &= seen
        if damaged or header is None:
            aside = move_aside(self.path)
            message = (
                f"outbox journal damaged at line(s) {', '.join(map(str, sorted(set(damaged))))}: "
                f"moved aside to {aside.name}; kept {len(contents.events)} valid event(s)"
            )
            logger.error("%s", message)
            contents.problems.append(message)
            base = max([contents.base_seq] + [seq_of(e) for e in contents.events])
            self.rewrite(base, contents.events, contents.acked, contents.seq_through)
        elif tail:
            self._cut_torn_tail(good_length)
        return contents

    def _take(self, payload: dict, contents: JournalContents, seen: set[str]) -> bool:
        """Add one event or acknowledgement line to `contents`; False if it does not make sense."""
        try:
            if "event" in payload:
                event = from_record(payload["event"])
                if event.seq is None or event.device_id != self.device_id:
                    raise ValueError("event without sequence number or from another device")
                if event.event_id not in seen:
                    seen.add(event.event_id)
                    contents.events.append(event)
            elif "ack" in payload:
                contents.acked.update(str(event_id) for event_id in payload["ack"])
            else:
                raise ValueError("unknown line kind")
        except (KioskError, ValueError, TypeError):
            return False
        return True

    def _check_header(self, header: object) -> None:
        if not isinstance(header, dict):
            raise StoreError(f"outbox journal {self.path} has a malformed header")
        schema = header.get("schema")
        if schema != SCHEMA_VERSION:
            raise StoreError(
                f"outbox journal {self.path} has schema version {schema!r}; this software "
                f"reads version {SCHEMA_VERSION} (upgrade the software or move the file away)"
            )
        if header.get("device_id") != self.device_id:
            raise StoreError(
                f"outbox journal {self.path} belongs to device {header.get('device_id')!r}, "
                f"not {self.device_id!r}: check device.id and paths.data_dir in the configuration"
            )

    def _cut_torn_tail(self, size: int) -> None:
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- writing ----------------------------------------------------------------------------------------

    def _open_fd(self) -> None:
        self._fd = self._ops.open_append(self.path)
        self._size = os.fstat(self._fd).st_size
        self._cut_back_to = None

    def append_event(self, event: Event) -> None:
        """Append one event line and fsync it; StoreWriteError (nothing kept) if the disk refuses."""
        self.append_record(to_record(event))

    def append_record(self, record: dict) -> None:
        """Append one event line from the event's `to_record` dict (already checked) and fsync it."""
        self._append(encode_line({"event": record}), "event")

    def append_ack(self, event_ids: Iterable[str]) -> None:
        """Append one acknowledgement line and fsync it."""
        self._append(encode_line({"ack": list(event_ids)}), "acknowledgement")

    def _append(self, line: bytes, what: str) -> None:
        start = self.write_line(line, what)
        self.sync(start, what)

    def write_line(self, line: bytes, what: str) -> int:
        """Write one whole line, not yet durable (`sync` makes it so); returns where it starts.

        StoreWriteError (nothing kept) if the disk refuses.
        """
        if self._fd is None:
            raise StoreError("the store is closed")
        if self._cut_back_to is not None:
            self._cut_back(self._cut_back_to, what)
        start = self._size
        try:
            self._ops.write(self._fd, line)
        except OSError as exc:
            self._cut_back(start, what)
            raise StoreWriteError(_refused(exc, what)) from exc
        self._size = start + len(line)
        return start

    def sync(self, start: int, what: str) -> None:
        """fsync what was written; if that fails, the lines written since `start` are cut back (nothing kept)."""
        if self._fd is None:
            raise StoreError("the store is closed")
        try:
            self._ops.fsync(self._fd)
        except OSError as exc:
            self._cut_back(start, what)
            raise StoreWriteError(_refused(exc, what)) from exc

    @property
    def size(self) -> int:
        """Bytes of whole lines written so far (where `cut_back` returns to)."""
        return self._size

    def cut_back(self, size: int) -> None:
        """Remove the lines written after `size` bytes (a line its second copy refused)."""
        self._cut_back(size, "event")

    def _cut_back(self, size: int, what: str) -> None:
        """Remove a half-written line so the file ends on a whole line again."""
        if self._fd is None:
            raise StoreError("the store is closed")
        try:
            self._ops.truncate(self._fd, size)
            self._ops.fsync(self._fd)
        except OSError as exc:
            self._cut_back_to = size
            logger.error("cannot cut the outbox journal back to %d bytes: %s", size, exc)
            raise StoreWriteError(
                f"write error: the {what} was not recorded; the journal will be repaired on the next write"
            ) from exc
        self._cut_back_to = None
        self._size = size

    def rewrite(self, base_seq: int, events: Iterable[Event], acked: set[str], seq_through: int = 0) -> None:
        """Atomically replace the journal by a header, these events and one line of their acknowledgements."""
        events = list(events)
        kept_acks = [e.event_id for e in events if e.event_id in acked]

        def chunks():
            yield encode_line(
                {
                    "header": {
                        "schema": SCHEMA_VERSION,
                        "device_id": self.device_id,
                        "base_seq": base_seq,
                        "seq_through": seq_through,
                    }
                }
            )
            batch: list[bytes] = []
            for event in events:
                batch.append(encode_line({"event": to_record(event)}))
                if len(batch) >= 512:
                    yield b"".join(batch)
                    batch = []
            if kept_acks:
                batch.append(encode_line({"ack": kept_acks}))
            if batch:
                yield b"".join(batch)

        try:
            self._ops.write_atomic(self.path, chunks())
        except OSError as exc:
            raise StoreWriteError(
                f"cannot rewrite the outbox journal ({exc.strerror or exc}); the previous journal is intact"
            ) from exc
        if self._fd is not None:
            self._ops.close(self._fd)
            self._open_fd()

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            self._ops.close(fd)


def _refused(exc: OSError, what: str) -> str:
    reason = "disk full" if exc.errno == 28 else f"write error ({exc.strerror or exc})"
    return f"{reason}: the {what} was not recorded; earlier data is intact"


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StoreError(f"outbox journal header has an invalid base_seq {value!r}")
    return value


def journal_owner(path: Path) -> str | None:
    """The device id in a journal's header line, or None when the file is absent or its header unreadable."""
    try:
        with open(path, "rb") as handle:
            header = decode_line(handle.readline().rstrip(b"\n")).get("header")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    owner = header.get("device_id") if isinstance(header, dict) else None
    return owner if isinstance(owner, str) else None
