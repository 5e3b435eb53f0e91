"""The sync worker: push the outbox then pull central's changes, in batches, backing off when central is away.

It resumes where it stopped because everything it needs is in the store: unacknowledged events stay
pending until central acknowledges them, and the pull cursor only moves once a page is applied. Clock
skew does not matter: ordering comes from per-device sequence numbers and central's cursor, and the
backoff runs on the monotonic clock. State (last success, pending count) is published as `SyncStatus`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from device.disk_space import DISK_FULL, is_no_space
from device.sync.client import PushAnswer
from device.sync.set_aside import SetAsideEvents
from loyalty.domain import business_clock
from loyalty.domain.events import Event, now_local
from loyalty.domain.snapshot import PulledBatch
from loyalty.errors import DeviceNotEnrolled, PushEventRefused, StoreError, StoreWriteError, SyncError, SyncRefused

log = logging.getLogger(__name__)

ADOPTION_BATCH = 500  # rows per request, central's limit
TRAINING_BATCH = 500  # rows per request, central's limit

STATES = ("idle", "syncing", "offline", "refused", "not_enrolled", "stopped")


class SyncStore(Protocol):
    """The part of the device store the worker uses (it reads these three, never sets them)."""

    @property
    def device_id(self) -> str: ...

    @property
    def cursor(self) -> int: ...

    @property
    def seq_through(self) -> int: ...

    def pending(self, limit: int | None = None) -> list[Event]: ...

    def pending_count(self) -> int: ...

    def acknowledge(self, event_ids) -> int: ...

    def apply_batch(self, batch: PulledBatch) -> None: ...


class SyncTransport(Protocol):
    """What the worker asks of central (`CentralClient` provides it)."""

    clock_skew_s: float | None

    def push(self, events: list[Event]) -> PushAnswer: ...

    def pull(self, cursor: int, limit: int) -> PulledBatch: ...


@dataclass(frozen=True)
class SyncStatus:
    """What the screen and `kiosk sync status` show."""

    state: str = "idle"
    pending: int = 0
    last_success: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_attempt_in_s: float = 0.0
    pushed_total: int = 0
    pulled_pages_total: int = 0
    clock_skew_s: float | None = None
    flagged_total: int = 0
    set_aside: int = 0
    #: Cards this device linked that central kept with their existing customer (held for review), latest round.
    card_claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: `base * 2**(n-1)` capped at `cap`, then scaled by 50 to 100 %."""

    base_s: float = 1.0
    cap_s: float = 300.0

    def delay(self, failures: int, rng: random.Random) -> float:
        if failures <= 0:
            return 0.0
        ceiling = min(self.cap_s, self.base_s * 2 ** min(failures - 1, 30))
        return ceiling * rng.uniform(0.5, 1.0)


class SyncWorker:
    """Pushes then pulls; `sync_once()` for one round, `start()`/`stop()` for the background thread."""

    def __init__(
        self,
        store: SyncStore,
        client: SyncTransport,
        *,
        push_batch: int = 500,
        pull_page: int = 1000,
        interval_s: float = 30.0,
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        on_status: Callable[[SyncStatus], None] | None = None,
        adoption: Callable[[], list[dict[str, object]]] | None = None,
        reference: Callable[[PulledBatch], None] | None = None,
        training: Callable[[], list[dict[str, object]]] | None = None,
        set_aside: SetAsideEvents | None = None,
    ) -> None:
        if push_batch < 1 or pull_page < 1:
            raise ValueError("push_batch and pull_page must be at least 1")
        self._store = store
        self._client = client
        self._push_batch = push_batch
        self._pull_page = pull_page
        self._interval_s = interval_s
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._on_status = on_status
        self._adoption = adoption
        self._reference = reference  # keeps central's catalogue, cashiers and settings (ReferenceCache.apply)
        self._training = training  # each cashier's best result per drill (TrainingBook.progress)
        self._set_aside = set_aside  # where events central refuses for good go (None: they stay pending)
        self._adoption_sent: dict[tuple[object, object], dict[str, object]] = {}
        self._training_sent: dict[tuple[object, object], dict[str, object]] = {}
        self._lock = threading.Lock()
        self._round = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = SyncStatus(pending=self._safe_pending(), set_aside=set_aside.count() if set_aside else 0)

    # -- state -------------------------------------------------------------------------------------------
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def _note_clock(self) -> None:
        """Business dates follow central's clock when this device's is far off (`loyalty.domain.business_clock`)."""
        business_clock.note_skew(getattr(self._client, "clock_skew_s", None))

    def _set(self, **changes: Any) -> SyncStatus:
        with self._lock:
            self._status = replace(self._status, **changes)
            status = self._status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:  # a broken listener must not stop syncing
                log.exception("sync status listener failed")
        return status

    def _safe_pending(self) -> int:
        try:
            return self._store.pending_count()
        except Exception:
            log.exception("could not count pending events")
            return 0

    # -- one round ---------------------------------------------------------------------------------------
    def sync_once(self) -> SyncStatus:
        """Push every pending event, then pull until up to date; returns the new status (never raises SyncError)."""
        with self._round:
            self._set(state="syncing", pending=self._safe_pending())
            try:
                flagged = self._push_all()
                self._note_clock()  # as soon as central answered once: what is pulled next is dated right
                self._send_adoption()
                self._send_training()
                pages = self._pull_all()
                self._note_clock()
            except SyncError as exc:
                return self._failed(exc)
            except StoreError as exc:
                if not is_no_space(exc):
                    raise
                return self._failed(exc)
            status = self.status()
            return self._set(
                state="idle",
                pending=self._safe_pending(),
                last_success=now_local(),
                last_error=None,
                consecutive_failures=0,
                next_attempt_in_s=self._interval_s,
                flagged_total=status.flagged_total + flagged,
                pulled_pages_total=status.pulled_pages_total + pages,
                clock_skew_s=self._client.clock_skew_s,
            )

    def _push_all(self) -> int:
        flagged = 0
        while True:
            batch = self._store.pending(limit=self._push_batch)
            if not batch:
                return flagged
            try:
                answer = self._client.push(batch)
            except PushEventRefused as exc:
                if not self._put_aside(batch, exc):
                    raise
                continue
            if answer.card_claims:
                log.warning(
                    "central kept %d card(s) with their existing customer; the links made here wait for "
                    "review in the back office",
                    len(answer.card_claims),
                )
                self._set(card_claims=tuple(dict.fromkeys((*self.status().card_claims, *answer.card_claims))))
            sent = {e.event_id for e in batch}
            held = sent.intersection(answer.acknowledged)
            dropped = self._store.acknowledge(sorted(held))
            flagged += len(answer.flagged)
            self._set(pending=self._safe_pending(), pushed_total=self.status().pushed_total + dropped)
            if len(held) < len(sent):
                raise SyncRefused(f"central acknowledged {len(held)} of {len(sent)} events; the rest stay pending")

    def _put_aside(self, batch: list[Event], refused: PushEventRefused) -> bool:
        """Keep the event central refused for good in the set-aside file, then drop it from the outbox."""
        event = next((e for e in batch if e.event_id == refused.event_id), None)
        if event is None or self._set_aside is None:
            return False
        self._set_aside.keep(event, str(refused))
        self._store.acknowledge([event.event_id])
        log.warning("event %s (%s) set aside: central refuses it for good", event.event_id, event.type)
        self._set(pending=self._safe_pending(), set_aside=self.status().set_aside + 1)
        return True

    def _send_adoption(self) -> None:
        """Send the till's per-day figures that changed since the last send (in requests of at most
        ADOPTION_BATCH rows); a refusal is logged and never stops the round."""
        if self._adoption is not None:
            self._send_changed(
                "adoption figures",
                self._adoption,
                ("day", "cashier_id"),
                self._adoption_sent,
                ADOPTION_BATCH,
                "push_adoption",
            )

    def _send_training(self) -> None:
        """Send the cashiers' training progress rows that changed since the last send (at most TRAINING_BATCH
        per request); like the figures, a refusal is logged and never stops the round."""
        if self._training is not None:
            self._send_changed(
                "training progress",
                self._training,
                ("cashier_id", "drill"),
                self._training_sent,
                TRAINING_BATCH,
                "push_training",
            )

    def _send_changed(
        self,
        what: str,
        gather: Callable[[], list[dict[str, object]]],
        key: tuple[str, str],
        sent: dict[tuple[object, object], dict[str, object]],
        batch: int,
        method: str,
    ) -> None:
        """Send the rows of `gather()` that differ from what `sent` holds with the client's `method`, `batch`
        at a time, noting each part once central has it; rows not yet taken go again on the next round."""
        try:
            changed = [row for row in gather() if sent.get((row[key[0]], row[key[1]])) != row]
            for start in range(0, len(changed), batch):
                part = changed[start : start + batch]
                getattr(self._client, method)(part)
                sent.update({(row[key[0]], row[key[1]]): row for row in part})
        except SyncError as exc:
            log.warning("%s not sent this round: %s", what, exc)
        except Exception:  # reports must not stop the ledger's sync
            log.exception("%s could not be gathered or sent", what)

    def _pull_all(self) -> int:
        pages = 0
        cursor = self._store.cursor
        while True:
            batch = self._client.pull(cursor, self._pull_page)
            self._keep_reference(batch)  # before apply_batch moves the cursor past this page
            self._store.apply_batch(batch)
            pages += 1
            if batch.device_seq_through is not None or batch.cursor <= cursor:
                return pages
            cursor = batch.cursor

    def _keep_reference(self, batch: PulledBatch) -> None:
        """Hand the page's reference data on; a failure stops the round so the page is pulled again."""
        if self._reference is None:
            return
        try:
            self._reference(batch)
        except OSError as exc:
            if is_no_space(exc):
                raise StoreWriteError(f"{DISK_FULL}: reference data from central was not saved") from exc
            raise SyncError(f"reference data from central could not be saved: {exc}") from exc

    def _failed(self, exc: SyncError | StoreError) -> SyncStatus:
        self._note_clock()
        failures = self.status().consecutive_failures + 1
        delay = self._backoff.delay(failures, self._rng)
        state = (
            "disk_full"
            if isinstance(exc, StoreError)
            else "not_enrolled"
            if isinstance(exc, DeviceNotEnrolled)
            else "refused"
            if isinstance(exc, SyncRefused)
            else "offline"
        )
        if state == "disk_full":
            exc = StoreWriteError(
                f"{DISK_FULL}: what central sent is not saved until space is freed in the data "
                "directory (see: kiosk doctor)"
            )
        log.warning("sync failed (%s, attempt %d), next try in %.1f s: %s", state, failures, delay, exc)
        return self._set(
            state=state,
            pending=self._safe_pending(),
            last_error=str(exc),
            consecutive_failures=failures,
            next_attempt_in_s=delay,
            clock_skew_s=self._client.clock_skew_s,
        )

    # -- background thread -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Sync now rather than at the next interval (e.g. just after a sale)."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the loop to end and wait for the current round (idempotent)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._set(state="stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                status = self.sync_once()
                delay = status.next_attempt_in_s
            except Exception:  # the loop never dies; the store or a bug may fail, the next round retries
                log.exception("sync round failed unexpectedly")
                failures = self.status().consecutive_failures + 1
                delay = self._backoff.delay(failures, self._rng)
                self._set(
                    state="offline",
                    consecutive_failures=failures,
                    next_attempt_in_s=delay,
                    last_error="internal error, see the log",
                )
            deadline = time.monotonic() + delay
            while not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0 or self._wake.wait(left):
                    break
            self._wake.clear()
