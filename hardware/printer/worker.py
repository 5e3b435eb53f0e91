"""The one print worker: one job queue, job ids, the journal, reconnection with backoff, held jobs.

Rules that keep a receipt from ever printing twice:
- a job id already in the journal is never queued again (a caller's retry returns the same id);
- a job is marked `sending` on disk before its first byte leaves; a job found `sending` after a restart,
  or cut short by paper-out, an open cover or an unplugged cable, is held with its reason and only a
  person's `reprint()` sends it again;
- a job held before any byte left (printer offline, no paper) is printed when the printer is back,
  unless it has grown older than `max_age_s`: then it is held as expired, for reprint on request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hardware.driver_thread import DriverThread
from hardware.errors import PaperOut, PrinterError, PrinterOffline, UnknownPrintJob
from hardware.events import (
    COVER_OPEN,
    OFFLINE,
    OK,
    PAPER_LOW,
    PAPER_OUT,
    PRINT_JOB,
    DeviceEvent,
    EventSink,
    StatusBoard,
)
from hardware.printer.journal import DISCARDED, EXPIRED, HELD, PRINTED, QUEUED, SENDING, JobJournal, JobRecord
from hardware.printer.link import PrinterState, SerialPrinterLink

log = logging.getLogger(__name__)

DEVICE = "printer"


@dataclass(frozen=True)
class PrinterSettings:
    """Timing and limits of the print worker."""

    max_age_s: float = 600.0
    chunk_bytes: int = 256
    status_interval_s: float = 1.0
    backoff_start_s: float = 0.5
    backoff_max_s: float = 8.0


class PrintWorker(DriverThread):
    """Owns the printer link in one thread; callers only submit, list, reprint or discard jobs."""

    device = DEVICE
    thread_name = "print-worker"
    join_timeout_s = 10.0

    def __init__(
        self,
        open_link: Callable[[], SerialPrinterLink],
        journal: JobJournal,
        board: StatusBoard,
        emit: EventSink,
        settings: PrinterSettings = PrinterSettings(),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(board)
        self._clock = clock  # the wall clock that dates jobs and tells their age
        self._open_link = open_link
        self.journal = journal
        self._emit = emit
        self.settings = settings
        self._lock = threading.Lock()
        self._pending: list[DeviceEvent] = []
        self._delivering = threading.RLock()
        self._wake = threading.Event()
        self._link: SerialPrinterLink | None = None
        self._backoff = settings.backoff_start_s
        self._recover_after_restart()

    # -- what callers use ------------------------------------------------------------------------------
    def submit(self, job_id: str, data: bytes) -> str:
        """Queue a job; a job id seen before is not queued again (so a retry never prints twice)."""
        if not job_id:
            raise PrinterError("a print job needs an id")
        with self._changing():
            if job_id in self.journal.records:
                log.info("print job %s already known; not queued again", job_id)
                return job_id
            now = self._clock()
            self.journal.write(JobRecord(job_id, QUEUED, now, now), data)
            self._pending.append(DeviceEvent(PRINT_JOB, DEVICE, payload=job_id, detail=QUEUED))
        self._wake.set()
        return job_id

    def jobs(self) -> list[JobRecord]:
        with self._lock:
            return sorted(self.journal.records.values(), key=lambda r: r.created)

    def job(self, job_id: str) -> JobRecord:
        with self._lock:
            record = self.journal.records.get(job_id)
        if record is None:
            raise UnknownPrintJob(f"no print job {job_id}")
        return record

    def reprint(self, job_id: str) -> None:
        """A person asks to print a held or expired job again (it may print a second copy: their choice)."""
        with self._changing():
            record = self.journal.records.get(job_id)
            if record is None or record.state not in (HELD, EXPIRED) or job_id not in self.journal.data:
                raise UnknownPrintJob(f"print job {job_id} is not waiting for a reprint")
            self._move(
                record, QUEUED, "reprint asked", partial=False, reprints=record.reprints + 1, created=self._clock()
            )
        self._wake.set()

    def discard(self, job_id: str) -> None:
        with self._changing():
            record = self.journal.records.get(job_id)
            if record is None or record.state not in (HELD, EXPIRED, QUEUED):
                raise UnknownPrintJob(f"print job {job_id} cannot be discarded now")
            self._move(record, DISCARDED, "discarded")

    # -- thread --------------------------------------------------------------------------------------
    def _starting_detail(self) -> str:
        return "connecting to the printer"

    def _before_join(self) -> None:
        self._wake.set()

    def _after_join(self) -> None:
        self._drop_link()
        self.journal.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._turn()
            try:
                wait = self._step()
            except Exception:  # the worker must outlive any driver failure
                log.exception("print worker step failed")
                self._drop_link()
                wait = self.settings.backoff_start_s
            if wait:
                self._wake.wait(wait)
                self._wake.clear()

    # -- internals -----------------------------------------------------------------------------------
    def _recover_after_restart(self) -> None:
        with self._changing():
            for record in list(self.journal.records.values()):
                if record.state == SENDING:
                    self._move(
                        record,
                        HELD,
                        "the service stopped while this receipt was printing; reprint it if it did not come out",
                        partial=True,
                    )

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Hold the job lock for a change; the events it caused go out after the lock is released.

        One thread at a time delivers, draining the queue in the order the changes were made, so a job's
        "queued" never arrives after its "sending" (the submitting thread and the worker both deliver).
        The delivery lock is re-entrant: a handler may call back into the worker.
        """
        with self._lock:
            yield
        with self._delivering:
            while True:
                with self._lock:
                    events, self._pending = self._pending, []
                if not events:
                    return
                for event in events:
                    self._emit(event)

    def _move(self, record: JobRecord, state: str, reason: str = "", **changes: object) -> JobRecord:
        """Record a job's new state (call inside `_changing`)."""
        moved = self.journal.write(record.moved(state, reason, **changes))
        self._pending.append(DeviceEvent(PRINT_JOB, DEVICE, payload=record.job_id, detail=state))
        return moved

    def _drop_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _connect(self) -> SerialPrinterLink | None:
        """The open link, opened now if need be; None (and the board says why) when the printer is offline."""
        if self._link is not None:
            return self._link
        try:
            self._link = self._open_link()
        except PrinterOffline as exc:
            self._board.set(DEVICE, OFFLINE, str(exc))
            return None
        self._backoff = self.settings.backoff_start_s
        log.info("printer connected")
        return self._link

    def _offline(self, reason: str) -> float:
        self._drop_link()
        self._board.set(DEVICE, OFFLINE, reason)
        self._hold_waiting(reason)
        wait, self._backoff = self._backoff, min(self._backoff * 2, self.settings.backoff_max_s)
        return wait

    def _show(self, state: PrinterState) -> None:
        if state.cover_open:
            self._board.set(DEVICE, COVER_OPEN, state.reason())
        elif state.paper_out:
            self._board.set(DEVICE, PAPER_OUT, state.reason())
        elif not state.online:
            self._board.set(DEVICE, OFFLINE, state.reason())
        elif state.paper_near_end:
            self._board.set(DEVICE, PAPER_LOW, "the paper roll is nearly finished")
        else:
            self._board.set(DEVICE, OK, "")

    def _hold_waiting(self, reason: str) -> None:
        with self._changing():
            for record in list(self.journal.records.values()):
                if record.state == QUEUED or record.state == HELD and not record.partial and record.reason != reason:
                    self._move(record, HELD, reason, partial=False)

    def _next_job(self) -> JobRecord | None:
        with self._lock:
            waiting = [
                r for r in self.journal.records.values() if r.state == QUEUED or r.state == HELD and not r.partial
            ]
        return min(waiting, key=lambda r: r.created) if waiting else None

    def _step(self) -> float:
        link = self._connect()
        if link is None:
            status = self._board.get(DEVICE)
            return self._offline(status.detail if status is not None else "")
        try:
            state = link.state()
        except PrinterOffline as exc:
            return self._offline(str(exc))
        self._show(state)
        if not state.ready:
            self._hold_waiting(state.reason())
            return self.settings.status_interval_s / 2
        job = self._next_job()
        if job is None:
            return self.settings.status_interval_s
        if self._clock() - job.created > self.settings.max_age_s:
            with self._changing():
                self._move(
                    job,
                    EXPIRED,
                    f"not printed within {int(self.settings.max_age_s)} s; reprint it if it is still wanted",
                )
            return 0
        self._print(job, link)
        return 0

    def _print(self, job: JobRecord, link: SerialPrinterLink) -> None:
        with self._changing():
            current = self.journal.records.get(job.job_id)
            if current != job:  # discarded or changed since it was picked: pick again
                return
            data = self.journal.data[job.job_id]
            job = self._move(job, SENDING, attempts=job.attempts + 1)
        sent = 0
        try:
            for start in range(0, len(data), self.settings.chunk_bytes):
                chunk = data[start : start + self.settings.chunk_bytes]
                link.write(chunk)
                sent += len(chunk)
            # Status is asked only between whole jobs: a DLE EOT sent in the middle of a command's
            # parameters (a QR code's data) would be taken as data by the printer.
            state = link.state()
            if not state.ready:
                self._show(state)
                raise PaperOut(state.reason())
        except PrinterError as exc:
            partial = sent > 0
            reason = f"{exc}; " + (
                "part of the receipt was printed, reprint it" if partial else "it will print when the printer is back"
            )
            with self._changing():
                self._move(job, HELD, reason, partial=partial)
            log.warning("print job %s held (%s bytes of %s sent)", job.job_id, sent, len(data))
            if isinstance(exc, PrinterOffline):
                self._drop_link()
                self._board.set(DEVICE, OFFLINE, str(exc))
            return
        with self._changing():
            self._move(job, PRINTED)
        log.info("print job %s printed (%d bytes)", job.job_id, len(data))


@dataclass(frozen=True)
class PrintJob:
    """Bytes ready for the printer under a job id chosen by the caller (repeat the id to retry safely)."""

    job_id: str
    data: bytes
