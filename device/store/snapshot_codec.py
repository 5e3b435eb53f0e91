"""The snapshot's rows to and from the base cache and the kept earns (the file format is `snapshot_file.py`).

Reading builds the base in one pass, chunk by chunk, with the garbage collector off (100 000 long-lived
records are no reason to scan) and one object per distinct text (first names repeat and are also index keys).
A damaged snapshot is moved aside and the base starts empty: the next pull rebuilds it.
"""

from __future__ import annotations

import binascii
import gc
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from device.store import packed_lots
from device.store.base_cache import BaseCache, CachedCustomer, pack_hashes
from device.store.journal import move_aside
from device.store.kept_earns import KeptEarns
from device.store.prefix_index import PrefixIndex
from device.store.snapshot_file import (
    AtomicJSONStorage,
    build_document,
    iter_search_chunks,
    read_document,
    remove_temp,
    search_size,
)
from loyalty.domain.ledger import EarnRecord, PoolContribution
from loyalty.domain.snapshot import PoolBalanceState, PoolMemberState
from loyalty.errors import StoreCorrupt, StoreError

logger = logging.getLogger(__name__)


@dataclass
class LoadedSnapshot:
    """What the snapshot held, or an empty base; `problem` says why the cache is not whole, if it is not."""

    base: BaseCache = field(default_factory=BaseCache)
    kept: KeptEarns = field(default_factory=KeptEarns)
    last_seq: int = 0
    problem: str | None = None


def read_snapshot(storage: AtomicJSONStorage, device_id: str, kept_limit: int) -> LoadedSnapshot:
    """The base and kept earns of the snapshot; a damaged one is moved aside and an empty base returned."""
    path = storage.path
    remove_temp(path)
    loaded = LoadedSnapshot(kept=KeptEarns(kept_limit))
    collecting = gc.isenabled()
    gc.disable()  # 100 000 records are long-lived: no point scanning them while they are made
    try:
        document = read_document(storage)
        if document is not None:
            _load(loaded, storage, device_id, *document)
        else:
            earlier = sorted(path.parent.glob(f"{path.name}.corrupt-*"))
            if earlier:  # damaged before a restart, and no pull has written a new one since
                loaded.problem = (
                    f"the cache snapshot was found damaged ({earlier[-1].name}) and is not "
                    "rebuilt from central yet: the next successful sync rebuilds it"
                )
    except StoreCorrupt as exc:
        aside = move_aside(path)
        loaded = LoadedSnapshot(kept=KeptEarns(kept_limit))
        loaded.problem = (
            f"{exc}: moved aside to {aside.name}; the cache starts empty (cursor 0) and the next pull rebuilds it"
        )
        logger.error("%s", loaded.problem)
    except OSError as exc:
        raise StoreError(f"cannot read the cache snapshot {path}: {exc}") from exc
    finally:
        if collecting:
            gc.enable()
    return loaded


def _load(
    loaded: LoadedSnapshot,
    storage: AtomicJSONStorage,
    device_id: str,
    meta: dict,
    tables: dict[str, Iterator[list]],
    search: dict,
) -> None:
    if meta.get("device_id") != device_id:
        raise StoreError(
            f"cache snapshot {storage.path} belongs to device {meta.get('device_id')!r}, "
            f"not {device_id!r}: check device.id and paths.data_dir in the configuration"
        )
    base, kept = loaded.base, loaded.kept
    try:
        base.cursor = _whole(meta["cursor"])
        base.seq_through = _whole(meta["seq_through"])
        loaded.last_seq = _whole(meta.get("last_seq", 0))
        # One object per distinct text: a local table (dropped after loading), not sys.intern's, kept for good.
        canon: dict[str, str] = {}
        intern = canon.setdefault
        customers = base.customers
        card_owner = base.card_owner
        ids: list[str] = []
        legacy = False
        for row in tables["customers"]:
            if len(row) == 11:
                cid, first, initial, hashes, points, granted, version, erased, cards, lots, debits = row
                if not isinstance(hashes, list):
                    raise TypeError("customer row hashes")
            else:
                # Written before devices held least data (ten or twelve fields, contact details in clear): only
                # the first name and the surname's initial are kept, and the next pull starts over for the hashes.
                cid, first, last, _phone, _email, points, granted, version, erased, cards, lots, debits = (
                    row if len(row) != 10 else [*row, "", 0]
                )
                initial = (last.strip()[:1].upper() or None) if isinstance(last, str) else None
                hashes, legacy = [], True
            if (
                not isinstance(cid, str)
                or not isinstance(points, int)
                or not isinstance(cards, list)
                or not isinstance(debits, int)
            ):
                raise TypeError("customer row")
            cards = tuple(cards)
            customers[cid] = CachedCustomer(
                cid,
                first and intern(first, first),
                initial and intern(initial, initial),
                pack_hashes(hashes),
                points,
                granted,
                version and intern(version, version),
                bool(erased),
                cards,
                packed_lots.from_text(lots) if lots else packed_lots.NONE,
                debits,
            )
            for uid in cards:
                card_owner[uid] = cid
            ids.append(cid)
        if legacy:
            logger.warning("the cache snapshot held contact details in clear: dropped, and the next pull starts over")
            base.cursor = 0
        for uid, owner, blocked in tables["loose_cards"]:
            if blocked:
                base.blocked.add(uid)
            if owner is not None and uid not in card_owner:
                base.link_card(uid, owner)
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
        base.index = PrefixIndex(keys, owners) if (keys or not customers) and not legacy else base.fresh_index()
        for row in tables["earns"]:
            record = EarnRecord(*row[:7])
            given = None
            if len(row) > 10 and row[8]:  # what the earn gave a pool (absent in older snapshots)
                given = PoolContribution(str(row[8]), record.customer_id, _whole(row[9]), _whole(row[10]))
            # The earn's day, whose lot a refund reduces (absent in older snapshots).
            kept.add(record, str(row[7]) if len(row) > 7 and row[7] else None, given)
        for cid, day, points in tables["earned_per_day"]:
            kept.add_per_day(cid, day, points)
        for cid, pool_id, share in tables["pool_members"]:
            base.set_pool_member(PoolMemberState(cid, pool_id, share))
        for row in tables["pool_balances"]:
            pool_id, points = row[0], row[1]
            members = row[2] if len(row) > 2 else None  # central's member count (absent in older snapshots)
            if not isinstance(points, int) or not (members is None or isinstance(members, int)):
                raise TypeError("pool balance row")
            base.set_pool_balance(PoolBalanceState(pool_id, points, members))
    except StoreError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, binascii.Error) as exc:
        raise StoreCorrupt(f"cache snapshot {storage.path} is malformed ({exc!r})") from None


def write_snapshot(storage: AtomicJSONStorage, device_id: str, base: BaseCache, kept: KeptEarns, last_seq: int) -> None:
    """Replace the snapshot atomically by the base and the kept earns (StoreWriteError: the old one stays)."""
    rows = []
    row_of: dict[str, int] = {}
    for n, rec in enumerate(base.customers.values()):
        rows.append(rec.row())
        row_of[rec.customer_id] = n
    # Cards not listed on a cached customer's row: blocked ones, and those of customers not cached.
    loose = [[uid, base.card_owner.get(uid), True] for uid in base.blocked]
    loose.extend(
        [uid, owner, uid in base.blocked]
        for owner, uids in base.orphan_cards.items()
        for uid in uids
        if uid not in base.blocked
    )
    search_rows = [row_of[owner] for owner in base.index.owners]
    earns = [
        [
            r.event_id,
            r.customer_id,
            r.receipt_ref,
            r.amount_cents,
            r.points,
            r.refunded_cents,
            r.reversed_points,
            day,
            *_pool_columns(given),
        ]
        for r, day, given in kept.records()
    ]
    per_day = [[cid, day, points] for cid, day, points in kept.per_day()]
    pool_members = [[cid, pool_id, share] for cid, (pool_id, share) in base.pool_member.items()]
    pool_balances = [[pool_id, points, base.pool_counts.get(pool_id)] for pool_id, points in base.pool_points.items()]
    meta = {
        "device_id": device_id,
        "cursor": base.cursor,
        "seq_through": base.seq_through,
        "last_seq": last_seq,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    storage.write(
        build_document(
            meta,
            {
                "customers": rows,
                "loose_cards": loose,
                "earns": earns,
                "earned_per_day": per_day,
                "pool_members": pool_members,
                "pool_balances": pool_balances,
            },
            base.index.keys,
            search_rows,
        )
    )


def _pool_columns(given: PoolContribution | None) -> list:
    """A kept earn's pool columns in the snapshot: pool id, points given, points given back."""
    return ["", 0, 0] if given is None else [given.pool_id, given.points, given.given_back]


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value
