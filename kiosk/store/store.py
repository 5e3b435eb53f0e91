"""The device's local store: a durable outbox of its own events over an indexed cache pulled from central.

Files in the data directory:
- `outbox.jsonl`, the journal (`journal.py`), and its second copy `outbox.copy.jsonl` (`outbox_copies.py`):
  every event is fsync'd in both before `record` returns;
- `cache.json`, the snapshot (`snapshot_file.py`): customers, cards and balances pulled from central, the
  pull cursor, `seq_through` (own events already inside the pulled balances) and the recent own earns kept
  for refunds. It is the commit point of `apply_batch`, rewritten atomically only then.

In memory: the base (compact records from the snapshot, card and prefix-search indexes) and an overlay,
a `kiosk.domain.ledger.Ledger` folded over the pending events (seq > seq_through) and seeded with the base
state of just the customers and cards those events touch. Reads look at the overlay first, then the base,
so balances follow the domain's own rules. Pool memberships and pool balances pulled from central are base
state too: the overlay is seeded with those its pending events touch, and an earn recorded here by a pool
member is followed at once by its `PoolContributed` event (the domain's rule, decided at the earn), and a
refund of such an earn by its `PoolContributionReversed` (the pool's part of the refund). Recent own earns
folded at central live in a second Ledger (`kept earns`) with what each gave a pool, so a receipt stays
refundable, pool share included, after its earn left the outbox. Each pulled customer also carries its lots
(points by earning day) and debits, packed (`kiosk.store.packed_lots`); since lots and debits only add up, the
overlay folds just the pending part, and the two are added when a customer's expiry notice or tier is asked for
(`expiry_notice`, `tier`).

Crash safety of `apply_batch`: the new snapshot (with the new seq_through) is written first; the journal is
compacted only after that. A crash before the rename leaves the old snapshot and the full journal; after it,
replay skips journal lines with seq <= seq_through and the next open finishes the compaction.
"""

from __future__ import annotations

import binascii
import gc
import heapq
import logging
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from kiosk.domain import pools
from kiosk.domain.customers import normalise_query, search_keys
from kiosk.domain.events import (
    CardLinked,
    CustomerErased,
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsEarned,
    PoolContributed,
    PoolContributionReversed,
    ProfileUpdated,
    from_record,
    to_record,
)
from kiosk.domain.expiry import ExpiryNotice, ExpiryRule, notice
from kiosk.domain.ledger import Consent, Customer, EarnRecord, Ledger, PoolContribution
from kiosk.domain.pools import PoolSummary
from kiosk.domain.snapshot import CardState, CustomerState, PoolBalanceState, PoolMemberState, PulledBatch
from kiosk.domain.tiers import Tier, TierScale, tier_of
from kiosk.errors import InvalidEvent, InvalidPull, StoreCorrupt, StoreError, StoreWriteError
from kiosk.store import packed_lots
from kiosk.store.fileops import FileOps
from kiosk.store.journal import move_aside, seq_of
from kiosk.store.outbox_copies import JOURNAL_NAME, OutboxCopies, lost_seqs, seq_ranges  # noqa: F401  (re-exported)
from kiosk.store.prefix_index import PrefixIndex
from kiosk.store.snapshot_file import (
    AtomicJSONStorage,
    build_document,
    iter_search_chunks,
    read_document,
    remove_temp,
    search_size,
)
from kiosk.store.views import CustomerView, StoreStats

logger = logging.getLogger(__name__)

SNAPSHOT_NAME = "cache.json"
#: Own earns kept after central folded them, newest first out last, so refunds still find them.
KEPT_EARNS = 20_000
#: Days of own per-day earn totals kept after folding (daily caps only need today).
KEPT_EARN_DAYS = 7
#: A pulled batch with more customers than this rebuilds the search index instead of editing it.
REBUILD_INDEX_ABOVE = 5_000


class CachedCustomer:
    """One customer of the base cache, compact (`__slots__`): 100 000 of them must fit in a few MB."""

    __slots__ = ("customer_id", "first_name", "last_name", "phone", "email", "points",
                 "consent_granted", "consent_version", "erased", "cards", "lots", "debits")

    def __init__(self, customer_id: str, first_name: str | None, last_name: str | None, phone: str | None,
                 email: str | None, points: int, consent_granted: bool | None, consent_version: str | None,
                 erased: bool, cards: tuple[str, ...] = (), lots: bytes = packed_lots.NONE,
                 debits: int = 0) -> None:
        self.customer_id = customer_id
        self.first_name = first_name
        self.last_name = last_name
        self.phone = phone
        self.email = email
        self.points = points
        self.consent_granted = consent_granted
        self.consent_version = consent_version
        self.erased = erased
        self.cards = cards
        self.lots = lots
        self.debits = debits

    def keys(self) -> set[str]:
        if self.erased:
            return set()
        return search_keys(self.first_name, self.last_name, self.phone, self.email)

    def row(self) -> list:
        return [self.customer_id, self.first_name, self.last_name, self.phone, self.email, self.points,
                self.consent_granted, self.consent_version, self.erased, list(self.cards),
                packed_lots.to_text(self.lots), self.debits]


def _pool_follow_up(store: Store, event: Event) -> Event | None:
    """The pool event the domain makes right after `event`: an earn's contribution, a refund's pool part."""
    if isinstance(event, PointsEarned):
        return pools.contribute(store, event)
    if isinstance(event, EarnReversed):
        return pools.give_back(store, event)
    return None


def _pool_columns(given: PoolContribution | None) -> list:
    """A kept earn's pool columns in the snapshot: pool id, points given, points given back."""
    return ["", 0, 0] if given is None else [given.pool_id, given.points, given.given_back]


def _scrubbed(event: Event) -> Event | None:
    """The event without personal fields, or None if it carries none."""
    if isinstance(event, CustomerRegistered) and (event.first_name or event.last_name or event.phone
                                                  or event.email):
        return replace(event, first_name="", last_name=None, phone=None, email=None)
    if isinstance(event, ProfileUpdated) and (event.first_name is not None or event.last_name is not None
                                              or event.phone is not None or event.email is not None):
        return replace(event, first_name=None, last_name=None, phone=None, email=None)
    return None


class Store:
    """Crash-safe local state of one device; thread-safe (one lock); implements `AccountView`."""

    def __init__(self, data_dir: Path, device_id: str, fileops: FileOps, kept_earns: int) -> None:
        self._dir = data_dir
        self._device_id = device_id
        self._ops = fileops
        self._kept_earns = kept_earns
        self._lock = threading.RLock()
        self._closed = False
        self._problems: list[str] = []
        #: Set while the cache snapshot was found damaged and no complete pull has rebuilt it yet.
        self._cache_problem: str | None = None
        self._storage = AtomicJSONStorage(data_dir / SNAPSHOT_NAME, fileops)
        self._journal: OutboxCopies  # opened by open(), the one way a Store is made
        self._journal_dirty = False
        self._reset_base()
        self._events: dict[str, Event] = {}
        self._acked: set[str] = set()
        self._last_seq = 0
        self._lost: list[int] = []
        self._folded_floor = 0
        self._rebuild_overlay()

    # -- opening -----------------------------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, device_id: str, *, fileops: FileOps | None = None,
             kept_earns: int = KEPT_EARNS) -> Store:
        """Open the store in `data_dir` (created if absent), recovering from a crash or a damaged file."""
        if not device_id:
            raise StoreError("a store needs the device id (device.id in the configuration)")
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {data_dir}: {exc}") from exc
        store = cls(data_dir, device_id, fileops or FileOps(), kept_earns)
        started = time.perf_counter()
        store._load_snapshot()
        journal, contents = OutboxCopies.open(data_dir, device_id, store._ops, store._seq_through)
        store._journal = journal
        store._problems.extend(contents.problems)
        if contents.created and store._storage.path.exists():
            message = (f"outbox journal and its copy were missing or empty while a cache snapshot exists: events "
                       f"recorded after seq {store._last_seq} may be lost")
            logger.error("%s", message)
            store._problems.append(message)
        store._last_seq = max([contents.base_seq, store._last_seq, store._seq_through]
                              + [seq_of(e) for e in contents.events])
        # Central's fold point as the journal last knew it too: a damaged snapshot must not turn folded into lost.
        store._folded_floor = max(store._seq_through, contents.seq_through)
        store._lost = lost_seqs(store._folded_floor, store._last_seq, contents.events)
        if store._lost:
            logger.error("%s", store._lost_message())
        folded = 0
        for event in contents.events:
            if seq_of(event) <= store._seq_through:
                folded += 1
            else:
                store._events[event.event_id] = event
        store._acked = contents.acked & store._events.keys()
        store._journal_dirty = folded > 0
        store._scrub_erased()
        store._rebuild_overlay()
        if store._journal_dirty:
            store._compact_journal()
        store._finish_pool_contribution()
        # The cache lives as long as the process: keep the collector from rescanning it on every earn.
        gc.freeze()
        logger.info("store opened for device %s: %d customers, %d pending events, last seq %d, in %.2f s",
                    device_id, len(store._customers), store.pending_count(), store._last_seq,
                    time.perf_counter() - started)
        return store

    def _reset_base(self) -> None:
        self._customers: dict[str, CachedCustomer] = {}
        self._card_owner: dict[str, str] = {}
        self._blocked: set[str] = set()
        self._orphan_cards: dict[str, tuple[str, ...]] = {}
        self._index = PrefixIndex()
        self._kept = Ledger()
        self._cursor = 0
        self._seq_through = 0
        #: Pulled pool state: each member's (pool id, share in percent), and each pool's points.
        self._pool_member: dict[str, tuple[str, int]] = {}
        self._pool_points: dict[str, int] = {}

    def _load_snapshot(self) -> None:
        """Load the base from the snapshot; a damaged one is moved aside and the base starts empty."""
        path = self._storage.path
        remove_temp(path)
        collecting = gc.isenabled()
        gc.disable()  # 100 000 records are long-lived: no point scanning them while they are made
        try:
            loaded = read_document(self._storage)
            if loaded is not None:
                self._load_base(*loaded)
            else:
                earlier = sorted(path.parent.glob(f"{path.name}.corrupt-*"))
                if earlier:  # damaged before a restart, and no pull has written a new one since
                    self._cache_problem = (f"the cache snapshot was found damaged ({earlier[-1].name}) and is not "
                                           "rebuilt from central yet: the next successful sync rebuilds it")
        except StoreCorrupt as exc:
            self._reset_base()
            aside = move_aside(path)
            message = (f"{exc}: moved aside to {aside.name}; the cache starts empty (cursor 0) and the next "
                       "pull rebuilds it")
            logger.error("%s", message)
            self._cache_problem = message
        except OSError as exc:
            raise StoreError(f"cannot read the cache snapshot {path}: {exc}") from exc
        finally:
            if collecting:
                gc.enable()

    def _load_base(self, meta: dict, tables: dict[str, Iterator[list]], search: dict) -> None:
        if meta.get("device_id") != self._device_id:
            raise StoreError(f"cache snapshot {self._storage.path} belongs to device {meta.get('device_id')!r}, "
                             f"not {self._device_id!r}: check device.id and paths.data_dir in the configuration")
        try:
            self._cursor = _whole(meta["cursor"])
            self._seq_through = _whole(meta["seq_through"])
            self._last_seq = _whole(meta.get("last_seq", 0))
            # One object per distinct text: names repeat, and phones and e-mails are also index keys. A local
            # table (dropped after loading) rather than sys.intern, whose table would stay for good.
            canon: dict[str, str] = {}
            intern = canon.setdefault
            customers = self._customers
            card_owner = self._card_owner
            ids: list[str] = []
            for row in tables["customers"]:
                # Snapshots written before lots were pulled have ten fields: no lots, no debits.
                cid, first, last, phone, email, points, granted, version, erased, cards, lots, debits = (
                    row if len(row) != 10 else [*row, "", 0])
                if (not isinstance(cid, str) or not isinstance(points, int) or not isinstance(cards, list)
                        or not isinstance(debits, int)):
                    raise TypeError("customer row")
                cards = tuple(cards)
                customers[cid] = CachedCustomer(cid, first and intern(first, first), last and intern(last, last),
                                                phone and intern(phone, phone), email and intern(email, email),
                                                points, granted, version and intern(version, version),
                                                bool(erased), cards,
                                                packed_lots.from_text(lots) if lots else packed_lots.NONE, debits)
                for uid in cards:
                    card_owner[uid] = cid
                ids.append(cid)
            for uid, owner, blocked in tables["loose_cards"]:
                if blocked:
                    self._blocked.add(uid)
                if owner is not None and uid not in card_owner:
                    self._link_base_card(uid, owner)
            total = search_size(search)
            keys: list[str] = [""] * total  # sized once: no over-allocation on half a million entries
            owners: list[str] = [""] * total
            at = 0
            for chunk_keys, chunk_rows in iter_search_chunks(search):
                end = at + len(chunk_keys)
                keys[at:end] = [intern(key, key) for key in chunk_keys]
                owners[at:end] = [ids[i] for i in chunk_rows]
                at = end
            if at != total:
                raise ValueError("search index size does not match its chunks")
            if customers and not keys:
                keys, owners = self._fresh_index_lists()
            self._index = PrefixIndex(keys, owners)
            for row in tables["earns"]:
                record = EarnRecord(*row[:7])
                self._kept.earns[record.event_id] = record
                self._kept.earns_by_receipt.setdefault(record.receipt_ref, record.event_id)
                if len(row) > 7 and row[7]:  # the earn's day, whose lot a refund reduces (absent in older snapshots)
                    self._kept.earn_days[record.event_id] = str(row[7])
                if len(row) > 10 and row[8]:  # what the earn gave a pool (absent in older snapshots)
                    self._kept.pool_contributions[record.event_id] = PoolContribution(
                        str(row[8]), record.customer_id, _whole(row[9]), _whole(row[10]))
            for cid, day, points in tables["earned_per_day"]:
                self._kept.earned_per_day[(cid, day)] = points
            for cid, pool_id, share in tables["pool_members"]:
                self._set_pool_member(PoolMemberState(cid, pool_id, share))
            for pool_id, points in tables["pool_balances"]:
                if not isinstance(points, int):
                    raise TypeError("pool balance row")
                self._pool_points[pool_id] = points
        except StoreError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, binascii.Error) as exc:
            raise StoreCorrupt(f"cache snapshot {self._storage.path} is malformed ({exc!r})") from None

    def _fresh_index_lists(self) -> tuple[list[str], list[str]]:
        index = PrefixIndex.build((key, cid) for cid, rec in self._customers.items()
                                  for key in rec.keys())  # noqa: SIM118 - its search keys, not a mapping
        return index.keys, index.owners

    def _link_base_card(self, uid: str, owner: str) -> None:
        previous = self._card_owner.get(uid)
        if previous == owner:
            return
        if previous is not None:
            rec = self._customers.get(previous)
            if rec is not None:
                rec.cards = tuple(u for u in rec.cards if u != uid)
            else:
                self._orphan_cards[previous] = tuple(u for u in self._orphan_cards.get(previous, ()) if u != uid)
        self._card_owner[uid] = owner
        rec = self._customers.get(owner)
        if rec is not None:
            rec.cards += (uid,)
        else:
            self._orphan_cards[owner] = self._orphan_cards.get(owner, ()) + (uid,)

    # -- the overlay of pending events -------------------------------------------------------------------

    def _rebuild_overlay(self) -> None:
        self._overlay = Ledger()
        self._seeded_customers: set[str] = set()
        self._seeded_cards: set[str] = set()
        self._seeded_pools: set[str] = set()
        self._overlay_index = PrefixIndex()
        self._overlay_keys: dict[str, tuple[str, ...]] = {}
        self._overlay_cards_of: dict[str, list[str]] = {}
        self._overlay_bulk = True  # keys are collected, then sorted once
        try:
            for event in self._events.values():
                self._apply_overlay(event)
        finally:
            self._overlay_bulk = False
        self._overlay_index = PrefixIndex.build((key, cid) for cid, keys in self._overlay_keys.items()
                                                for key in keys)

    def _seed(self, event: Event) -> None:
        """Copy into the overlay the base state of what `event` touches, so the Ledger's rules see it."""
        overlay = self._overlay
        cid = getattr(event, "customer_id", None)
        if cid is not None and cid not in self._seeded_customers:
            self._seeded_customers.add(cid)
            rec = self._customers.get(cid)
            if rec is not None:
                consent = (Consent(rec.consent_granted, rec.consent_version or "", "", "central")
                           if rec.consent_granted is not None else None)
                overlay.customers[cid] = Customer(cid, rec.first_name, rec.last_name, rec.phone, rec.email,
                                                  consent, rec.erased)
                overlay.balances[cid] = rec.points  # lots and debits only add up: the overlay holds the pending part
            membership = self._pool_member.get(cid)
            if membership is not None:
                overlay.pool_members.setdefault(membership[0], {})[cid] = membership[1]
                overlay.member_pool[cid] = membership[0]
                self._seed_pool(membership[0])
        pool_id = getattr(event, "pool_id", None)
        if pool_id is not None:
            self._seed_pool(pool_id)
        uid = getattr(event, "card_uid", None)
        if uid is not None and uid not in self._seeded_cards:
            self._seeded_cards.add(uid)
            owner = self._card_owner.get(uid)
            if owner is not None:
                overlay.cards[uid] = owner
            if uid in self._blocked:
                overlay.blocked_cards.add(uid)
        if isinstance(event, EarnReversed) and event.earn_event_id not in overlay.earns:
            kept = self._kept.earns.get(event.earn_event_id)
            if kept is not None:
                overlay.earns[kept.event_id] = replace(kept)
                day = self._kept.earn_days.get(kept.event_id)
                if day is not None:
                    overlay.earn_days[kept.event_id] = day
                given = self._kept.pool_contributions.get(kept.event_id)
                if given is not None and kept.event_id not in overlay.pool_contributions:
                    overlay.pool_contributions[kept.event_id] = replace(given)
                    self._seed_pool(given.pool_id)

    def _seed_pool(self, pool_id: str) -> None:
        if pool_id not in self._seeded_pools:
            self._seeded_pools.add(pool_id)
            self._overlay.pool_balances[pool_id] = self._pool_points.get(pool_id, 0)
            # The pool's other members as pulled, so the overlay's member count starts right.
            members = self._overlay.pool_members.setdefault(pool_id, {})
            for cid, (pid, share) in self._pool_member.items():
                if pid == pool_id and cid not in self._seeded_customers:
                    members.setdefault(cid, share)

    def _apply_overlay(self, event: Event) -> None:
        self._seed(event)
        self._overlay.apply(event)
        cid = getattr(event, "customer_id", None)
        if cid is not None and cid in self._overlay.customers and (
                cid not in self._overlay_keys
                or isinstance(event, (CustomerRegistered, ProfileUpdated, CustomerErased))):
            self._reindex_overlay(cid)
        if isinstance(event, CardLinked):
            self._overlay_cards_of.setdefault(event.customer_id, []).append(event.card_uid)

    def _reindex_overlay(self, cid: str) -> None:
        customer = self._overlay.customers[cid]
        new = set() if customer.erased else search_keys(customer.first_name, customer.last_name,
                                                        customer.phone, customer.email)
        old = set(self._overlay_keys.get(cid, ()))
        self._overlay_keys[cid] = tuple(new)  # a tuple is a fifth of a set's size
        if self._overlay_bulk:
            return
        for key in old - new:
            self._overlay_index.discard(key, cid)
        for key in new - old:
            self._overlay_index.add(key, cid)

    def _scrub_erased(self) -> bool:
        """Remove personal fields from pending events of erased customers; True if any changed."""
        erased = {e.customer_id for e in self._events.values() if isinstance(e, CustomerErased)}
        changed = False
        for event_id, event in list(self._events.items()):
            if not isinstance(event, (CustomerRegistered, ProfileUpdated)):
                continue
            rec = self._customers.get(event.customer_id)
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
            self._journal.rewrite(self._last_seq, self._events.values(), self._acked,
                                  max(self._seq_through, self._folded_floor))
        except StoreWriteError as exc:
            logger.error("outbox journal compaction failed, will retry: %s", exc)
            return
        self._journal_dirty = False

    # -- writing -----------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    def record(self, event: Event) -> Event:
        """Append `event` durably (fsync'd) and apply it; returns it with its seq. Idempotent by event id."""
        with self._lock:
            self._check_open()
            stored = self._events.get(event.event_id)
            if stored is not None:
                return stored
            if event.device_id != self._device_id:
                raise InvalidEvent(f"{event.type} was made by device {event.device_id!r}; this store records "
                                   f"only events of device {self._device_id!r}")
            if event.seq is None:
                event = replace(event, seq=self._last_seq + 1)
            elif event.seq <= self._last_seq:
                raise InvalidEvent(f"{event.type} has seq {event.seq}, not after the last recorded "
                                   f"seq {self._last_seq}")
            record = to_record(event)
            event = from_record(record)  # refuse now what replay could not read back
            if self._journal_dirty:
                self._compact_journal()
            self._journal.append_record(record)
            self._last_seq = seq_of(event)
            self._events[event.event_id] = event
            self._apply_overlay(event)
            if isinstance(event, CustomerErased) and self._scrub_erased():
                self._compact_journal()
            follow_up = _pool_follow_up(self, event)
            if follow_up is not None:
                self.record(follow_up)
            return event

    def _finish_pool_contribution(self) -> None:
        """After a stop between an earn (or a refund) and its pool event (always the next one), record it now."""
        last = next(reversed(self._events.values()), None)
        if last is not None and last.device_id == self._device_id:
            follow_up = _pool_follow_up(self, last)
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
            return len(new)

    def _lost_message(self) -> str | None:
        """Said while numbers recorded here are in neither outbox copy and central has not folded past them."""
        if not self._lost:
            return None
        return (f"{len(self._lost)} event(s) recorded on this device (seq {seq_ranges(self._lost)}) are in neither "
                "copy of the outbox: those central had not received are lost; their numbers are never given again. "
                "`kiosk salvage` looks for them in the moved-aside files")

    def readmit(self, events: Iterable[Event]) -> int:
        """Take back this device's unsent events kept elsewhere (a replaced store, a salvaged file); returns how many.

        Events are immutable and carry ids: those already here, of another device, or at or below the numbers
        central has folded are skipped; the others are journaled (both copies) with their own numbers.
        """
        with self._lock:
            self._check_open()
            taken = []
            for event in sorted(events, key=lambda e: e.seq or 0):
                if (event.event_id in self._events or event.device_id != self._device_id or event.seq is None
                        or event.seq <= self._seq_through or event.event_id in self._kept.earns):
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

    def apply_batch(self, batch: PulledBatch) -> None:
        """Apply one pulled page: upserts, erasures, cursor, seq_through; then save and compact."""
        _check_batch(batch)
        with self._lock:
            self._check_open()
            before = dict(self._events)
            acked_before = set(self._acked)
            try:
                self._merge_batch(batch)
                self._save_snapshot()
            except StoreWriteError:
                # Memory goes back to what is on disk: the committed snapshot and the journal.
                last_seq = self._last_seq
                self._reset_base()
                self._load_snapshot()
                self._last_seq = max(last_seq, self._last_seq)
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
        rebuild = len(batch.customers) > REBUILD_INDEX_ABOVE
        for state in batch.customers:
            self._upsert_customer(state, edit_index=not rebuild)
        for card in batch.cards:
            self._upsert_card(card)
        for cid in batch.erased:
            self._erase_customer(cid, edit_index=not rebuild)
        for member in batch.pool_members:
            self._set_pool_member(member)
        for pool in batch.pool_balances:
            self._pool_points[pool.pool_id] = pool.points
        if rebuild:
            self._index = PrefixIndex(*self._fresh_index_lists())
        self._cursor = batch.cursor
        through = batch.device_seq_through
        if through is not None:
            self._lost = [seq for seq in self._lost if seq > through]  # central holds (or wrote off) the others
            if through < self._seq_through:
                logger.warning("central reports seq_through %d below the %d it reported before; kept %d",
                               through, self._seq_through, self._seq_through)
            else:
                if through > self._last_seq:
                    logger.warning("central holds seq %d of this device, above its last seq %d",
                                   through, self._last_seq)
                    self._last_seq = through
                self._fold_through(through)
        self._scrub_erased()

    def _upsert_customer(self, state: CustomerState, *, edit_index: bool) -> None:
        cid = state.customer_id
        old = self._customers.get(cid)
        cards = old.cards if old is not None else self._orphan_cards.pop(cid, ())
        erased = state.erased or (old is not None and old.erased)
        if erased:
            rec = CachedCustomer(cid, None, None, None, None, state.points, state.consent_granted,
                                 state.consent_version, True, cards, packed_lots.pack(state.lots), state.debits)
        else:
            rec = CachedCustomer(cid, state.first_name, state.last_name, state.phone, state.email,
                                 state.points, state.consent_granted, state.consent_version, False, cards,
                                 packed_lots.pack(state.lots), state.debits)
        if edit_index:
            old_keys = old.keys() if old is not None else set()
            new_keys = rec.keys()
            for key in old_keys - new_keys:
                self._index.discard(key, cid)
            for key in new_keys - old_keys:
                self._index.add(key, cid)
        self._customers[cid] = rec

    def _upsert_card(self, card: CardState) -> None:
        self._link_base_card(card.card_uid, card.customer_id)
        if card.blocked:
            self._blocked.add(card.card_uid)
        else:
            self._blocked.discard(card.card_uid)

    def _set_pool_member(self, member: PoolMemberState) -> None:
        if member.pool_id is None:
            self._pool_member.pop(member.customer_id, None)
        else:
            self._pool_member[member.customer_id] = (member.pool_id, member.share_pct)

    def _erase_customer(self, cid: str, *, edit_index: bool) -> None:
        old = self._customers.get(cid)
        if old is None:
            self._customers[cid] = CachedCustomer(cid, None, None, None, None, 0, None, None, True,
                                                  self._orphan_cards.pop(cid, ()))
            return
        if edit_index:
            for key in old.keys():  # noqa: SIM118 - its search keys, not a mapping
                self._index.discard(key, cid)
        old.first_name = old.last_name = old.phone = old.email = None
        old.erased = True

    def _fold_through(self, through: int) -> None:
        """Move own events with seq <= `through` out of the pending set; earns go to the kept earns."""
        kept = self._kept
        for event_id, event in list(self._events.items()):
            if seq_of(event) > through:
                break
            if isinstance(event, (PointsEarned, EarnReversed, PoolContributed, PoolContributionReversed)):
                kept.apply(event)
            del self._events[event_id]
            self._acked.discard(event_id)
        kept.balances.clear()
        kept.pool_balances.clear()
        kept.lots.clear()  # the pulled lots hold them now
        kept.debits.clear()
        kept.seen.clear()
        self._seq_through = through
        self._prune_kept()

    def _prune_kept(self) -> None:
        kept = self._kept
        excess = len(kept.earns) - self._kept_earns
        if excess > 0:
            for event_id in list(kept.earns)[:excess]:
                record = kept.earns.pop(event_id)
                kept.earn_days.pop(event_id, None)
                kept.pool_contributions.pop(event_id, None)
                if kept.earns_by_receipt.get(record.receipt_ref) == event_id:
                    del kept.earns_by_receipt[record.receipt_ref]
        if kept.earned_per_day:
            newest = max(day for _, day in kept.earned_per_day)
            cutoff = _days_before(newest, KEPT_EARN_DAYS)
            for key in [k for k in kept.earned_per_day if k[1] < cutoff]:
                del kept.earned_per_day[key]

    def _save_snapshot(self) -> None:
        rows = []
        row_of: dict[str, int] = {}
        for n, rec in enumerate(self._customers.values()):
            rows.append(rec.row())
            row_of[rec.customer_id] = n
        # Cards not listed on a cached customer's row: blocked ones, and those of customers not cached.
        loose = [[uid, self._card_owner.get(uid), True] for uid in self._blocked]
        loose.extend([uid, owner, uid in self._blocked] for owner, uids in self._orphan_cards.items()
                     for uid in uids if uid not in self._blocked)
        search_rows = [row_of[owner] for owner in self._index.owners]
        earn_days = self._kept.earn_days
        given = self._kept.pool_contributions
        earns = [[r.event_id, r.customer_id, r.receipt_ref, r.amount_cents, r.points, r.refunded_cents,
                  r.reversed_points, earn_days.get(r.event_id, ""), *_pool_columns(given.get(r.event_id))]
                 for r in self._kept.earns.values()]
        per_day = [[cid, day, points] for (cid, day), points in self._kept.earned_per_day.items()]
        pool_members = [[cid, pool_id, share] for cid, (pool_id, share) in self._pool_member.items()]
        pool_balances = [[pool_id, points] for pool_id, points in self._pool_points.items()]
        meta = {"device_id": self._device_id, "cursor": self._cursor, "seq_through": self._seq_through,
                "last_seq": self._last_seq, "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        self._storage.write(build_document(meta, {"customers": rows, "loose_cards": loose, "earns": earns,
                                                  "earned_per_day": per_day,
                                                  "pool_members": pool_members, "pool_balances": pool_balances},
                                 self._index.keys, search_rows))

    # -- reading -----------------------------------------------------------------------------------------

    def balance(self, customer_id: str) -> int:
        with self._lock:
            points = self._overlay.balances.get(customer_id)
            if points is not None:
                return points
            rec = self._customers.get(customer_id)
            return rec.points if rec is not None else 0

    def pool_of(self, customer_id: str) -> tuple[str, int] | None:
        """The pool this customer gives to now and the share in percent (pulled, then pending events), or None."""
        with self._lock:
            if customer_id in self._seeded_customers:
                return self._overlay.pool_of(customer_id)
            return self._pool_member.get(customer_id)

    def pool_balance(self, pool_id: str) -> int:
        """A pool's points as pulled from central, with this device's pending pool events on top."""
        with self._lock:
            if pool_id in self._seeded_pools:
                return self._overlay.pool_balance(pool_id)
            return self._pool_points.get(pool_id, 0)

    def pool_summary(self, customer_id: str) -> PoolSummary | None:
        """The pool a customer gives to as this device knows it (works offline); None when in no pool."""
        with self._lock:
            membership = self.pool_of(customer_id)
            if membership is None:
                return None
            pool_id, share = membership
            if pool_id in self._seeded_pools:
                members = len(self._overlay.pool_members.get(pool_id, {}))
            else:
                members = sum(1 for pid, _ in self._pool_member.values() if pid == pool_id)
            return PoolSummary(pool_id, self.pool_balance(pool_id), members, share)

    def expiry_notice(self, customer_id: str, today: date, rule: ExpiryRule) -> ExpiryNotice:
        """Points that expire within the notice period, from the pulled lots and the pending events (offline too)."""
        with self._lock:
            return notice(self._lots_ledger(customer_id), customer_id, today, rule)

    def tier(self, customer_id: str, today: date, scale: TierScale) -> Tier:
        """The customer's tier from the pulled lots and the pending events (offline too)."""
        with self._lock:
            return tier_of(self._lots_ledger(customer_id), customer_id, today, scale)

    def _lots_ledger(self, cid: str) -> Ledger:
        """A Ledger holding only this customer's balance, lots and debits: the pulled ones plus the pending part."""
        overlay, rec = self._overlay, self._customers.get(cid)
        lots = packed_lots.unpack(rec.lots) if rec is not None and rec.lots else {}
        for day, points in overlay.lots.get(cid, {}).items():
            lots[day] = lots.get(day, 0) + points
        debits = (rec.debits if rec is not None else 0) + overlay.debits.get(cid, 0)
        if cid in self._seeded_customers or cid in overlay.balances:
            points = overlay.balance(cid)
        else:
            points = rec.points if rec is not None else 0
        return Ledger(balances={cid: points}, lots={cid: lots}, debits={cid: debits})

    def earned_on(self, customer_id: str, day: str) -> int:
        with self._lock:
            return self._kept.earned_on(customer_id, day) + self._overlay.earned_on(customer_id, day)

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None:
        """What one of this device's earns gave a pool and how much refunds gave back (pending or kept)."""
        with self._lock:
            found = (self._overlay.pool_contributions.get(earn_event_id)
                     or self._kept.pool_contributions.get(earn_event_id))
            return replace(found) if found is not None else None

    def earn_record(self, earn_event_id: str) -> EarnRecord | None:
        with self._lock:
            record = self._overlay.earns.get(earn_event_id) or self._kept.earns.get(earn_event_id)
            return replace(record) if record is not None else None

    def earn_for_receipt(self, receipt_ref: str) -> EarnRecord | None:
        """This device's earn for a receipt (pending or kept after folding), with refunds so far."""
        with self._lock:
            event_id = (self._kept.earns_by_receipt.get(receipt_ref)
                        or self._overlay.earns_by_receipt.get(receipt_ref))
            if event_id is None:
                return None
            record = self._overlay.earns.get(event_id) or self._kept.earns.get(event_id)
            return replace(record) if record is not None else None

    def remember_earn(self, record: EarnRecord, day: str | None = None) -> None:
        """Keep another till's earn, as central gave it, so its refund here reverses the right points.

        It joins the kept earns (saved with the next snapshot); until then a restart forgets it and the
        refund's points are taken off only by central, which the next pull brings back.
        """
        with self._lock:
            if record.event_id in self._kept.earns or record.event_id in self._overlay.earns:
                return
            self._kept.earns[record.event_id] = replace(record)
            self._kept.earns_by_receipt.setdefault(record.receipt_ref, record.event_id)
            if day:
                self._kept.earn_days[record.event_id] = day
            self._prune_kept()

    def customer(self, customer_id: str) -> CustomerView | None:
        with self._lock:
            if customer_id not in self._customers and customer_id not in self._overlay.customers:
                return None
            return self._view(customer_id, None)

    def customer_by_card(self, card_uid: str) -> CustomerView | None:
        with self._lock:
            owner = self._overlay.cards.get(card_uid) or self._card_owner.get(card_uid)
            if owner is None:
                return None
            return self._view(owner, card_uid)

    def _view(self, cid: str, card_uid: str | None) -> CustomerView:
        rec = self._customers.get(cid)
        overlay = self._overlay
        current = overlay.customers.get(cid)
        cards: list[str] = []
        for uid in (rec.cards if rec is not None else self._orphan_cards.get(cid, ())):
            if overlay.cards.get(uid, cid) == cid:
                cards.append(uid)
        for uid in self._overlay_cards_of.get(cid, ()):
            if overlay.cards.get(uid) == cid and uid not in cards:
                cards.append(uid)
        blocked = card_uid is not None and (card_uid in overlay.blocked_cards or card_uid in self._blocked)
        points = overlay.balances.get(cid)
        if points is None:
            points = rec.points if rec is not None else 0
        if current is not None:
            consent = current.consent
            return CustomerView(cid, current.first_name, current.last_name, current.phone, current.email,
                                points, tuple(cards), blocked, consent.granted if consent else None,
                                consent.text_version if consent else None, current.erased)
        if rec is not None:
            return CustomerView(cid, rec.first_name, rec.last_name, rec.phone, rec.email, points, tuple(cards),
                                blocked, rec.consent_granted, rec.consent_version, rec.erased)
        return CustomerView(cid, None, None, None, None, points, tuple(cards), blocked, None, None, False)

    def search(self, text: str, limit: int = 10) -> list[CustomerView]:
        """Customers with a first name, last name, full name, phone or e-mail starting with `text`."""
        query = normalise_query(text) if isinstance(text, str) else ""
        if not query or limit <= 0:
            return []
        with self._lock:
            overlaid = self._overlay.customers
            found: list[CustomerView] = []
            seen: set[str] = set()
            for _, cid, from_base in heapq.merge(_tagged(self._index.prefix(query), True),
                                                 _tagged(self._overlay_index.prefix(query), False)):
                if cid in seen or (from_base and cid in overlaid):
                    continue
                seen.add(cid)
                view = self._view(cid, None)
                if not view.erased:
                    found.append(view)
                    if len(found) >= limit:
                        break
            return found

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
        return self._cursor

    @property
    def seq_through(self) -> int:
        return self._seq_through

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> StoreStats:
        with self._lock:
            overlay = self._overlay
            customers = len(self._customers) + sum(1 for c in overlay.customers if c not in self._customers)
            cards = len(self._card_owner) + sum(1 for u in overlay.cards if u not in self._card_owner)
            return StoreStats(self._device_id, customers, cards, self.pending_count(), len(self._acked),
                              self._cursor, self._last_seq,
                              tuple(self._problems + [p for p in (self._cache_problem, self._lost_message()) if p]),
                              tuple(self._lost))

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


def _tagged(pairs: Iterator[tuple[str, str]], from_base: bool) -> Iterator[tuple[str, str, bool]]:
    for key, owner in pairs:
        yield key, owner, from_base


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value


def _days_before(day: str, days: int) -> str:
    try:
        return (date.fromisoformat(day) - timedelta(days=days)).isoformat()
    except ValueError:
        return ""


def _check_batch(batch: object) -> None:
    """Refuse a batch that breaks the pull contract before any of it is applied."""
    if not isinstance(batch, PulledBatch):
        raise InvalidPull(f"expected a PulledBatch, got {type(batch).__name__}")
    if isinstance(batch.cursor, bool) or not isinstance(batch.cursor, int) or batch.cursor < 0:
        raise InvalidPull(f"pull cursor must be a whole number >= 0, got {batch.cursor!r}")
    through = batch.device_seq_through
    if through is not None and (isinstance(through, bool) or not isinstance(through, int) or through < 0):
        raise InvalidPull(f"device_seq_through must be a whole number >= 0, got {through!r}")
    for state in batch.customers:
        if (not isinstance(state, CustomerState) or not isinstance(state.customer_id, str) or not state.customer_id
                or isinstance(state.points, bool) or not isinstance(state.points, int)):
            raise InvalidPull("a pulled customer needs a customer id and whole-number points")
        if (not isinstance(state.lots, tuple) or isinstance(state.debits, bool) or not isinstance(state.debits, int)
                or not all(isinstance(lot, tuple) and len(lot) == 2 and isinstance(lot[0], str)
                           and isinstance(lot[1], int) and not isinstance(lot[1], bool) for lot in state.lots)):
            raise InvalidPull("a pulled customer's lots must be (day, points) pairs and its debits whole points")
        try:
            packed_lots.pack(state.lots)
        except (ValueError, struct.error):
            raise InvalidPull("a pulled customer's lots must be dated YYYY-MM-DD, points the cache holds") from None
        for name in ("first_name", "last_name", "phone", "email", "consent_version"):
            if not isinstance(getattr(state, name), (str, type(None))):
                raise InvalidPull(f"a pulled customer's {name} must be text")
    for card in batch.cards:
        if (not isinstance(card, CardState) or not isinstance(card.card_uid, str) or not card.card_uid
                or not isinstance(card.customer_id, str) or not card.customer_id):
            raise InvalidPull("a pulled card needs a card uid and a customer id")
    for cid in batch.erased:
        if not isinstance(cid, str) or not cid:
            raise InvalidPull("an erased customer id must be non-empty text")
    for member in batch.pool_members:
        if (not isinstance(member, PoolMemberState) or not isinstance(member.customer_id, str)
                or not member.customer_id or not isinstance(member.pool_id, (str, type(None)))
                or isinstance(member.share_pct, bool) or not isinstance(member.share_pct, int)
                or not 0 <= member.share_pct <= 100):
            raise InvalidPull("a pulled pool membership needs a customer id, a pool id or none and a share of 0-100")
    for pool in batch.pool_balances:
        if (not isinstance(pool, PoolBalanceState) or not isinstance(pool.pool_id, str) or not pool.pool_id
                or isinstance(pool.points, bool) or not isinstance(pool.points, int)):
            raise InvalidPull("a pulled pool balance needs a pool id and whole-number points")
