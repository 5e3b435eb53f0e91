"""The print job journal: every job state change is appended and fsynced before the printer acts on it.

A job is marked `sending` on disk before its first byte leaves, and `printed` once the printer confirmed
the end; after a crash, a job found in `sending` may be on paper already, so it is held for a person to
reprint, never sent again on its own. A torn last line (power cut mid-append) is ignored. The file is
rewritten atomically (temp file, fsync, rename, fsync directory) when it is compacted: at start, and while
running once it holds `COMPACT_EVERY` lines more than its live jobs need. At most `KEEP_FINISHED` finished
jobs are remembered (and no older than `keep_finished_s`), so file and memory stay bounded however many
receipts are printed. A full disk does not stop the start: the journal is then left as it is.
"""

from __future__ import annotations

import base64
import errno
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from hardware.errors import PrinterError

log = logging.getLogger(__name__)

QUEUED, SENDING, PRINTED, HELD, EXPIRED, DISCARDED = "queued", "sending", "printed", "held", "expired", "discarded"
FINISHED = frozenset({PRINTED, DISCARDED})
SCHEMA = 1
#: Finished jobs remembered (a caller's retry of one of them returns its id without printing again).
KEEP_FINISHED = 500
#: Lines appended since the last compaction, beyond the jobs kept, that trigger a compaction while running.
COMPACT_EVERY = 600


@dataclass(frozen=True)
class JobRecord:
    """A print job's state; `partial` means some of its bytes reached the printer."""

    job_id: str
    state: str
    created: float
    updated: float
    reason: str = ""
    partial: bool = False
    attempts: int = 0
    reprints: int = 0

    def moved(self, state: str, reason: str = "", **changes: Any) -> JobRecord:
        return replace(self, state=state, reason=reason, updated=time.time(), **changes)


class JobJournal:
    """Append-only JSON-lines journal of print jobs, with their bytes kept until they are printed."""

    def __init__(
        self,
        path: Path,
        keep_finished_s: float = 7 * 86400,
        keep_finished: int = KEEP_FINISHED,
        compact_every: int = COMPACT_EVERY,
    ) -> None:
        self.path = Path(path)
        self.keep_finished_s = keep_finished_s
        self.keep_finished = keep_finished
        self.compact_every = compact_every
        self._lock = threading.Lock()
        self.records: dict[str, JobRecord] = {}
        self.data: dict[str, bytes] = {}
        self._finished: dict[str, None] = {}  # finished job ids, oldest first
        self._lines = 0  # lines in the file since it was last rewritten
        self._load()
        self._compact()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open until close()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise PrinterError(f"cannot read the print journal {self.path}: {exc}") from None
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
                data = entry.pop("data", None)
                entry.pop("v", None)
                record = JobRecord(**entry)
            except (ValueError, TypeError) as exc:
                if number == len(lines):
                    log.warning("print journal: ignoring a torn last line")
                else:
                    log.error("print journal: skipping unreadable line %d (%s)", number, exc)
                continue
            if data is not None:
                self.data[record.job_id] = base64.b64decode(data)
            self._keep(record)

    def _keep(self, record: JobRecord) -> None:
        """Hold the job's new state in memory; a finished job drops its bytes and, past the cap, the oldest goes."""
        self.records[record.job_id] = record
        if record.state in FINISHED:
            self.data.pop(record.job_id, None)
            self._finished.pop(record.job_id, None)
            self._finished[record.job_id] = None
            while len(self._finished) > self.keep_finished:
                oldest = next(iter(self._finished))
                del self._finished[oldest]
                self.records.pop(oldest, None)
        else:
            self._finished.pop(record.job_id, None)

    def _compact(self) -> None:
        cutoff = time.time() - self.keep_finished_s
        # Past the retention time nobody will reprint a job; a job caught `sending` is kept for a person.
        for job_id in [j for j, r in self.records.items() if r.state != SENDING and r.updated < cutoff]:
            del self.records[job_id]
            self.data.pop(job_id, None)
            self._finished.pop(job_id, None)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as handle:
                for record in self.records.values():
                    handle.write(self._line(record, self.data.get(record.job_id)))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # the file stays as it was; the next compaction tries again
                tmp.unlink(missing_ok=True)
                log.warning("print journal not compacted: the disk is full")
                return
            raise PrinterError(f"cannot write the print journal {self.path}: {exc}") from None
        self._lines = len(self.records)

    @staticmethod
    def _line(record: JobRecord, data: bytes | None) -> str:
        entry = {"v": SCHEMA, **asdict(record)}
        if data is not None and record.state not in FINISHED:
            entry["data"] = base64.b64encode(data).decode("ascii")
        return json.dumps(entry, separators=(",", ":")) + "\n"

    def write(self, record: JobRecord, data: bytes | None = None) -> JobRecord:
        """Record a job's new state durably (fsync) before anything else happens to it."""
        with self._lock:
            try:
                self._file.write(self._line(record, data))
                self._file.flush()
                os.fsync(self._file.fileno())
            except OSError as exc:
                raise PrinterError(f"cannot write the print journal {self.path}: {exc}") from None
            if data is not None:
                self.data[record.job_id] = data
            self._keep(record)
            self._lines += 1
            if self._lines > len(self.records) + self.compact_every:
                self._compact_running()
        return record

    def _compact_running(self) -> None:
        """Rewrite the file with the jobs kept, and append to the new file from now on (lock held)."""
        self._file.close()
        try:
            self._compact()
        except PrinterError as exc:  # the job's line is on disk already; the next compaction tries again
            log.warning("print journal not compacted: %s", exc)
        finally:
            self._lines = len(self.records)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open until close()

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
