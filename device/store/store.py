"""The device's local store: a durable outbox of its own events over an indexed cache pulled from central.

Files in the data directory:
- `outbox.jsonl`, the journal (`journal.py`), and its second copy `outbox.copy.jsonl` (`outbox_copies.py`):
  every event is fsync'd in both before `record` returns;
- `cache.json`, the snapshot (`snapshot_file.py`, rows by `snapshot_codec.py`): customers, cards, balances
  and pools pulled from central, the pull cursor, `seq_through` (own events already inside the pulled
  balances) and the recent own earns kept for refunds. It is the commit point of `apply_batch`, rewritten
  atomically only then.

In memory, in three parts: the base cache (`base_cache.py`: what central last said, with card and search
indexes), the kept earns (`kept_earns.py`: own earns central folded, so their receipts stay refundable) and
the pending overlay on top (`pending_overlay.py`: the events central has not folded, through the domain's
Ledger), which answers the reads. This class keeps the outbox itself (pending events, acknowledgements,
numbering, lost numbers) and the order of writes. What follows a recorded event in the pool rules (an
earn's contribution, a refund's pool part) is the domain's decision (`loyalty.domain.pools.follow_up`).

What a device holds of a customer (least data, `base_cache.py`): the first name, the surname's initial,
keyed hashes of the phone and e-mail, balance, lots, consent, cards and pool. A customer this device captures
itself is journaled whole (central needs the contact details), and only until central acknowledges it: the
acknowledgement rewrites those events with the first name and initial alone (`_without_contacts`), so the
outbox, its copy and any later backup hold no phone, e-mail or surname once central has them. A bound
(`max_customers`) evicts the least recently seen customers, never one with events still pending here;
customers that left the store's scope (`removed` in a pull) are dropped the same way.

Crash safety of `apply_batch`: the new snapshot (with the new seq_through) is written first; the journal is
compacted only after that. A crash before the rename leaves the old snapshot and the full journal; after it,
replay skips journal lines with seq <= seq_through and the next open finishes the compaction.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from device.store.base_cache import BaseCache
from device.store.fileops import FileOps
from device.store.journal import seq_of
from device.store.kept_earns import KEPT_EARNS, KeptEarns
from device.store.outbox_copies import JOURNAL_NAME, OutboxCopies, lost_seqs, seq_ranges  # noqa: F401  (re-exported)
from device.store.pending_overlay import PendingOverlay
from device.store.pull_contract import check_batch
from device.store.snapshot_codec import read_snapshot, write_snapshot
from device.store.snapshot_file import AtomicJSONStorage
from device.store.views import CustomerView, StoreStats
from loyalty.domain import pools
from loyalty.domain.customers import last_initial
from loyalty.domain.events import CustomerErased, CustomerRegistered, Event, ProfileUpdated, from_record, to_record
from loyalty.domain.expiry import ExpiryNotice, ExpiryRule, notice
from loyalty.domain.ledger import EarnRecord, PoolContribution
from loyalty.domain.pools import PoolSummary
from loyalty.domain.snapshot import LookedUp, PulledBatch
from loyalty.domain.tiers import Tier, TierScale, tier_of
from loyalty.errors import InvalidEvent, StoreError, StoreWriteError

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = "cache.json"


def _without_contacts(event: Event) -> Event | None:
    """The event with its surname cut to the initial and no phone or e-mail, or None if it has none to cut."""
    if isinstance(event, (CustomerRegistered, ProfileUpdated)) and (
        event.phone or event.email or (event.last_name and len(event.last_name.strip()) > 1)
    ):
        return replace(event, last_name=last_initial(event.last_name), phone=None, email=None)
    return None


def _scrubbed(event: Event) -> Event | None:
    """The event without personal fields, or None if it carries none."""
    if isinstance(event, CustomerRegistered) and (event.first_name or event.last_name or event.phone or event.email):
        return replace(event, first_name="", last_name=None, phone=None, email=None)
    if isinstance(event, ProfileUpdated) and (
        event.first_name is not None
        or event.last_name is not None
        or event.phone is not None
        or event.email is not None
    ):
        return replace(event, first_name=None, last_name=None, phone=None, email=None)
    return None


class Store:
    """Crash-safe local state of one device; thread-safe (one lock); implements `AccountView`."""

    def __init__(
        self, data_dir: Path, device_id: str, fileops: FileOps, kept_earns: int, max_customers: int | None = None
    ) -> None:
        self._dir = data_dir
        self._max_customers = max_customers
        self._device_id = device_id
        self._ops = fileops
        self._kept_limit = kept_earns
        self._lock = threading.RLock()
        self._closed = False
        self._problems: list[str] = []
        #: Set while the cache snapshot was found damaged and no complete pull has rebuilt it yet.
        self._cache_problem: str | None = None
        self._storage = AtomicJSONStorage(data_dir / SNAPSHOT_NAME, fileops)
        self._journal: OutboxCopies  # opened by open(), the one way a Store is made
        self._journal_dirty = False
        self._base = BaseCache()
        self._kept = KeptEarns(kept_earns)
        self._events: dict[str, Event] = {}
        self._acked: set[str] = set()
        self._last_seq = 0
        self._lost: list[int] = []
        self._folded_floor = 0
        self._rebuild_overlay()

    # -- opening -----------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        device_id: str,
        *,
        fileops: FileOps | None = None,
        kept_earns: int = KEPT_EARNS,
        max_customers: int | None = None,
    ) -> Store:
        """Open the store in `data_dir` (created if absent), recovering from a crash or a damaged file.

        `max_customers` bounds the cached customers (None: no bound); the service gives `CacheConfig.customer_bound`.
        """
        if max_customers is not None and max_customers < 1:
            raise StoreError(f"max_customers must be at least 1, got {max_customers}")
        if not device_id:
            raise StoreError("a store needs the device id (device.id in the configuration)")
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {data_dir}: {exc}") from exc
        store = cls(data_dir, device_id, fileops or FileOps(), kept_earns, max_customers)
        started = time.perf_counter()
        store._load_snapshot()
        seq_through = store._base.seq_through
        journal, contents = OutboxCopies.open(data_dir, device_id, store._ops, seq_through)
        store._journal = journal
        store._problems.extend(contents.problems)
        if contents.created and store._storage.path.exists():
            message = (
                f"outbox journal and its copy were missing or empty while a cache snapshot exists: events "
                f"recorded after seq {store._last_seq} may be lost"
            )
            logger.error("%s", message)
            store._problems.append(message)
        store._last_seq = max([contents.base_seq, store._last_seq, seq_through] + [seq_of(e) for e in contents.events])
        # Central's fold point as the journal last knew it too: a damaged snapshot must not turn folded into lost.
        store._folded_floor = max(seq_through, contents.seq_through)
        store._lost = lost_seqs(store._folded_floor, store._last_seq, contents.events)
        if store._lost:
            logger.error("%s", store._lost_message())
        folded = 0
        for event in contents.events:
            if seq_of(event) <= seq_through:
                folded += 1
            else:
                store._events[event.event_id] = event
        store._acked = contents.acked & store._events.keys()
        store._journal_dirty = folded > 0
        store._scrub_erased()
        store._drop_acknowledged_contacts(store._acked)  # acknowledged before a stop that beat the rewrite
        store._rebuild_overlay()
        if store._journal_dirty:
            store._compact_journal()
        store._finish_pool_follow_up()
        # The cache lives as long as the process: keep the collector from rescanning it on every earn.
        gc.freeze()
        logger.info(
            "store opened for device %s: %d customers, %d pending events, last seq %d, in %.2f s",
            device_id,
            len(store._base.customers),
            store.pending_count(),
            store._last_seq,
            time.perf_counter() - started,
        )
        return store

    def _load_snapshot(self) -> None:
        """Load the base and the kept earns from the snapshot (an empty base if it is absent or damaged)."""
        loaded = read_snapshot(self._storage, self._device_id, self._kept_limit)
        self._base, self._kept = loaded.base, loaded.kept
        self._last_seq = max(self._last_seq, loaded.last_seq)
        if loaded.problem is not None:
            self._cache_problem = loaded.problem

    def _rebuild_overlay(self) -> None:
        self._overlay = PendingOverlay(self._base, self._kept, self._events.values())

    # -- the outbox ----------------------------------------------------------------------------------------

    def _scrub_erased(self) -> bool:
        """Remove personal fields from pending events of erased customers; True if any changed."""
        erased = {e.customer_id for e in self._events.values() if isinstance(e, CustomerErased)}
        changed = False
        for event_id, event in list(self._events.items()):
            if not isinstance(event, (CustomerRegistered, ProfileUpdated)):
                continue
            rec = self._base.customers.get(event.customer_id)
            if event.customer_id in erased or (rec is not None and rec.erased):
                clean = _scrubbed(event)
                if clean is not None:
                    self._events[event_id] = clean
                    changed = True
        if changed:
            self._journal_dirty = True
        return changed

    def _compact_journal(self) -> None:
        """Rewrite the journal with only the pending events (scrubbed); on failure, retried later."""
        try:
            self._journal.rewrite(
                self._last_seq, self._events.values(), self._acked, max(self._base.seq_through, self._folded_floor)
            )
        except StoreWriteError as exc:
            logger.error("outbox journal compaction failed, will retry: %s", exc)
            return
        self._journal_dirty = False

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def record(self, event: Event) -> Event:
        """Append `event` durably (fsync'd) and apply it; returns it with its seq. Idempotent by event id.

        The pool event the domain makes right after it (`pools.follow_up`) is recorded next, at once.
        """
        with self._lock:
            self._check_open()
            stored = self._events.get(event.event_id)
            if stored is not None:
                return stored
            if event.device_id != self._device_id:
                raise InvalidEvent(
                    f"{event.type} was made by device {event.device_id!r}; this store records "
                    f"only events of device {self._device_id!r}"
                )
            if event.seq is None:
                event = replace(event, seq=self._last_seq + 1)
            elif event.seq <= self._last_seq:
                raise InvalidEvent(
                    f"{event.type} has seq {event.seq}, not after the last recorded seq {self._last_seq}"
                )
            record = to_record(event)
            event = from_record(record)  # refuse now what replay could not read back
            if self._journal_dirty:
                self._compact_journal()
            self._journal.append_record(record)
            self._last_seq = seq_of(event)
            self._events[event.event_id] = event
            self._overlay.apply(event)
            if isinstance(event, CustomerErased) and self._scrub_erased():
                self._compact_journal()
            follow_up = pools.follow_up(self, event)
            if follow_up is not None:
                self.record(follow_up)
            return event

    def _finish_pool_follow_up(self) -> None:
        """After a stop between an earn (or a refund) and its pool event (always the next one), record it now."""
        last = next(reversed(self._events.values()), None)
        if last is not None and last.device_id == self._device_id:
            follow_up = pools.follow_up(self, last)
            if follow_up is not None:
                logger.warning("%s %s had no pool event recorded yet; recorded now", last.type, last.event_id)
                self.record(follow_up)

    def acknowledge(self, event_ids: Iterable[str]) -> int:
        """Mark events as held by central (durably); returns how many were newly acknowledged."""
        with self._lock:
            self._check_open()
            new = [i for i in dict.fromkeys(event_ids) if i in self._events and i not in self._acked]
            if not new:
                return 0
            self._journal.append_ack(new)
            self._acked.update(new)
            if self._drop_acknowledged_contacts(new):
                self._compact_journal()
                self._rebuild_overlay()
            return len(new)

    def _drop_acknowledged_contacts(self, event_ids: Iterable[str]) -> bool:
        """Cut the contact details out of events central now holds (see the module's notes); True if any."""
        changed = False
        for event_id in event_ids:
            event = self._events.get(event_id)
            clean = _without_contacts(event) if event is not None else None
            if clean is not None:
                self._events[event_id] = clean
                changed = True
        if changed:
            self._journal_dirty = True
        return changed

    def _lost_message(self) -> str | None:
        """Said while numbers recorded here are in neither outbox copy and central has not folded past them."""
        if not self._lost:
            return None
        return (
            f"{len(self._lost)} event(s) recorded on this device (seq {seq_ranges(self._lost)}) are in neither "
            "copy of the outbox: those central had not received are lost; their numbers are never given again. "
            "`kiosk salvage` looks for them in the moved-aside files"
        )

    def readmit(self, events: Iterable[Event]) -> int:
        """Take back this device's unsent events kept elsewhere (a replaced store, a salvaged file); returns how many.

        Events are immutable and carry ids: those already here, of another device, or at or below the numbers
        central has folded are skipped; the others are journaled (both copies) with their own numbers.
        """
        with self._lock:
            self._check_open()
            taken = []
            for event in sorted(events, key=lambda e: e.seq or 0):
                if (
                    event.event_id in self._events
                    or event.device_id != self._device_id
                    or event.seq is None
                    or event.seq <= self._base.seq_through
                    or event.event_id in self._kept
                ):
                    continue
                record = to_record(event)
                self._journal.append_record(record)
                taken.append(from_record(record))
            if not taken:
                return 0
            merged = sorted([*self._events.values(), *taken], key=seq_of)
            self._events = {e.event_id: e for e in merged}
            self._last_seq = max(self._last_seq, seq_of(merged[-1]))
            self._lost = [seq for seq in self._lost if seq not in {e.seq for e in taken}]
            self._scrub_erased()
            self._rebuild_overlay()
            logger.warning("%d unsent event(s) taken back into the outbox", len(taken))
            return len(taken)

    # -- pulled batches ----------------------------------------------------------------------------------

    def apply_batch(self, batch: PulledBatch) -> None:
        """Apply one pulled page: upserts, erasures, cursor, seq_through; then save and compact."""
        check_batch(batch)
        with self._lock:
            self._check_open()
            before = dict(self._events)
            acked_before = set(self._acked)
            try:
                self._merge_batch(batch)
                write_snapshot(self._storage, self._device_id, self._base, self._kept, self._last_seq)
            except StoreWriteError:
                # Memory goes back to what is on disk: the committed snapshot and the journal.
                self._load_snapshot()
                self._events, self._acked = before, acked_before
                self._scrub_erased()
                self._rebuild_overlay()
                raise
            self._journal_dirty = True
            self._compact_journal()
            self._rebuild_overlay()
            if self._cache_problem is not None and batch.device_seq_through is not None:
                logger.warning("the damaged cache is rebuilt from central")
                self._cache_problem = None  # the last page of a pull: the cache is whole again

    def _merge_batch(self, batch: PulledBatch) -> None:
        pending = self._pending_customers()
        self._base.merge(batch, keep_erased=pending)
        through = batch.device_seq_through
        if through is not None:
            self._lost = [seq for seq in self._lost if seq > through]  # central holds (or wrote off) the others
            if through < self._base.seq_through:
                logger.warning(
                    "central reports seq_through %d below the %d it reported before; kept %d",
                    through,
                    self._base.seq_through,
                    self._base.seq_through,
                )
            else:
                if through > self._last_seq:
                    logger.warning(
                        "central holds seq %d of this device, above its last seq %d", through, self._last_seq
                    )
                    self._last_seq = through
                self._fold_through(through)
        self._scrub_erased()
        self._evict(pending)

    def _pending_customers(self) -> set[str]:
        """Customers this device's pending events name: never evicted, their erasure always noted."""
        return {cid for e in self._events.values() if (cid := getattr(e, "customer_id", None)) is not None}

    def _evict(self, pending: set[str]) -> None:
        if self._max_customers is not None:
            gone = self._base.evict(self._max_customers, keep=pending)
            if gone:
                logger.info(
                    "cache bound of %d customers: %d least recently seen dropped", self._max_customers, len(gone)
                )

    def hold(self, found: LookedUp) -> None:
        """Keep a customer central answered for a look-up (any card, any store), as if pulled.

        In memory at once; the snapshot takes it at the next pull, which brings the customer too (a look-up puts
        them in this store's scope). Within the bound, like any pulled customer.
        """
        with self._lock:
            self._check_open()
            batch = PulledBatch(
                cursor=self._base.cursor,
                customers=(found.customer,),
                cards=found.cards,
                pool_members=found.pool_members,
                pool_balances=found.pool_balances,
            )
            check_batch(batch)
            seeded = self._overlay.touches(found)
            self._base.merge(batch)
            self._evict(self._pending_customers() | {found.customer.customer_id})
            if seeded:
                self._rebuild_overlay()

    def _fold_through(self, through: int) -> None:
        """Move own events with seq <= `through` out of the pending set; earns go to the kept earns."""
        folded = []
        for event_id, event in list(self._events.items()):
            if seq_of(event) > through:
                break
            folded.append(event)
            del self._events[event_id]
            self._acked.discard(event_id)
        self._kept.fold(folded)
        self._base.seq_through = through

    # -- reading -----------------------------------------------------------------------------------------

    def balance(self, customer_id: str) -> int:
        with self._lock:
            return self._overlay.balance(customer_id)

    def pool_of(self, customer_id: str) -> tuple[str, int] | None:
        """The pool this customer gives to now and the share in percent (pulled, then pending events), or None."""
        with self._lock:
            return self._overlay.pool_of(customer_id)

    def pool_balance(self, pool_id: str) -> int:
        """A pool's points as pulled from central, with this device's pending pool events on top."""
        with self._lock:
            return self._overlay.pool_balance(pool_id)

    def pool_summary(self, customer_id: str) -> PoolSummary | None:
        """The pool a customer gives to as this device knows it (works offline); None when in no pool."""
        with self._lock:
            return self._overlay.pool_summary(customer_id)

    def expiry_notice(self, customer_id: str, today: date, rule: ExpiryRule) -> ExpiryNotice:
        """Points that expire within the notice period, from the pulled lots and the pending events (offline too)."""
        with self._lock:
            return notice(self._overlay.lots_ledger(customer_id), customer_id, today, rule)

    def tier(self, customer_id: str, today: date, scale: TierScale) -> Tier:
        """The customer's tier from the pulled lots and the pending events (offline too)."""
        with self._lock:
            return tier_of(self._overlay.lots_ledger(customer_id), customer_id, today, scale)

    def earned_on(self, customer_id: str, day: str) -> int:
        with self._lock:
            return self._overlay.earned_on(customer_id, day)

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None:
        """What one of this device's earns gave a pool and how much refunds gave back (pending or kept)."""
        with self._lock:
            return self._overlay.pool_contribution(earn_event_id)

    def earn_record(self, earn_event_id: str) -> EarnRecord | None:
        with self._lock:
            return self._overlay.earn_record(earn_event_id)

    def earn_for_receipt(self, receipt_ref: str) -> EarnRecord | None:
        """This device's earn for a receipt (pending or kept after folding), with refunds so far."""
        with self._lock:
            return self._overlay.earn_for_receipt(receipt_ref)

    def remember_earn(self, record: EarnRecord, day: str | None = None) -> None:
        """Keep another till's earn, as central gave it, so its refund here reverses the right points.

        It joins the kept earns (saved with the next snapshot); until then a restart forgets it and the
        refund's points are taken off only by central, which the next pull brings back.
        """
        with self._lock:
            if record.event_id in self._kept or self._overlay.holds_earn(record.event_id):
                return
            self._kept.add(replace(record), day)
            self._kept.prune()

    def customer(self, customer_id: str) -> CustomerView | None:
        with self._lock:
            self._base.seen(customer_id)
            return self._overlay.customer(customer_id)

    def customer_by_card(self, card_uid: str) -> CustomerView | None:
        with self._lock:
            view = self._overlay.customer_by_card(card_uid)
            if view is not None:
                self._base.seen(view.customer_id)
            return view

    def customers_with_contact(self, hashes: Iterable[str], limit: int = 10) -> list[CustomerView]:
        """Customers held here whose keyed phone or e-mail hash is one of `hashes` (the offline duplicate check)."""
        with self._lock:
            found = []
            for cid in self._base.holding(hashes):
                view = self._overlay.customer(cid)
                if view is not None and not view.erased:
                    found.append(view)
                    if len(found) >= limit:
                        break
            return found

    def search(self, text: str, limit: int = 10) -> list[CustomerView]:
        """Customers with a first name, last name, full name, phone or e-mail starting with `text`."""
        with self._lock:
            return self._overlay.search(text, limit)

    def pending(self, limit: int | None = None) -> list[Event]:
        """Events not yet acknowledged by central, in seq order."""
        with self._lock:
            out: list[Event] = []
            for event_id, event in self._events.items():
                if limit is not None and len(out) >= limit:
                    break
                if event_id not in self._acked:
                    out.append(event)
            return out

    def pending_count(self) -> int:
        with self._lock:
            return len(self._events) - len(self._acked)

    @property
    def cache_lost(self) -> bool:
        """True while the cache was found damaged and not yet rebuilt by a complete pull: a card missing from
        it may belong to a customer, so it must not be taken as new."""
        return self._cache_problem is not None

    @property
    def cursor(self) -> int:
        return self._base.cursor

    @property
    def seq_through(self) -> int:
        return self._base.seq_through

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> StoreStats:
        with self._lock:
            customers, cards = self._overlay.counts()
            return StoreStats(
                self._device_id,
                customers,
                cards,
                self.pending_count(),
                len(self._acked),
                self._base.cursor,
                self._last_seq,
                tuple(self._problems + [p for p in (self._cache_problem, self._lost_message()) if p]),
                tuple(self._lost),
            )

    def close(self) -> None:
        """Finish a pending compaction if possible and close the journal; calling it again does nothing."""
        with self._lock:
            if self._closed:
                return
            if self._journal_dirty:
                self._compact_journal()
            self._journal.close()
            self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
