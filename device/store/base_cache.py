"""The base cache: customers, cards and pools as last pulled from central, with the card and search indexes.

Compact, since 100 000 customers must fit in a few tens of MB (`CachedCustomer` has `__slots__`, lots are
packed). Only a pulled batch (`merge`) or a customer looked up at central (`hold`) changes it; this device's
pending events live in the overlay on top (`pending_overlay.py`), never in here.

Least data: a cached customer is its first name, surname initial and the keyed hashes of its phone and
e-mail (`loyalty.domain.customers.contact_hashes`), never the full surname, phone or e-mail. The customers are
kept in the order they were last seen (pulled, looked up, tapped), oldest first, so a bound evicts the least
recently seen (`evict`).
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from device.store import packed_lots
from device.store.prefix_index import PrefixIndex
from loyalty.domain.customers import normalise_name
from loyalty.domain.snapshot import CardState, CustomerState, PoolBalanceState, PoolMemberState, PulledBatch

#: A pulled batch with more customers than this rebuilds the search index instead of editing it.
REBUILD_INDEX_ABOVE = 5_000
#: Bytes of one keyed contact hash (central sends it as 32 hexadecimal characters).
HASH_BYTES = 16


def pack_hashes(hashes: Iterable[str]) -> bytes:
    """Contact hashes as one bytes object (16 bytes each): a quarter of the memory of their hex texts."""
    return b"".join(bytes.fromhex(h) for h in hashes)


def unpack_hashes(packed: bytes) -> tuple[str, ...]:
    return tuple(packed[i : i + HASH_BYTES].hex() for i in range(0, len(packed), HASH_BYTES))


class CachedCustomer:
    """One customer of the base cache, compact (`__slots__`): 100 000 of them must fit in a few MB."""

    __slots__ = (
        "customer_id",
        "first_name",
        "last_initial",
        "hashes",
        "points",
        "consent_granted",
        "consent_version",
        "erased",
        "cards",
        "lots",
        "debits",
    )

    def __init__(
        self,
        customer_id: str,
        first_name: str | None,
        last_initial: str | None,
        hashes: bytes,
        points: int,
        consent_granted: bool | None,
        consent_version: str | None,
        erased: bool,
        cards: tuple[str, ...] = (),
        lots: bytes = packed_lots.NONE,
        debits: int = 0,
    ) -> None:
        self.customer_id = customer_id
        self.first_name = first_name
        self.last_initial = last_initial
        self.hashes = hashes
        self.points = points
        self.consent_granted = consent_granted
        self.consent_version = consent_version
        self.erased = erased
        self.cards = cards
        self.lots = lots
        self.debits = debits

    def index_keys(self) -> set[str]:
        """Search keys: the first name's words, and the first name with the surname initial ('anouk v')."""
        if self.erased or not self.first_name:
            return set()
        name = normalise_name(self.first_name)
        keys = {part for part in name.split() if part}
        if self.last_initial:
            keys.add(f"{name} {normalise_name(self.last_initial)}")
        return keys

    def row(self) -> list:
        return [
            self.customer_id,
            self.first_name,
            self.last_initial,
            list(unpack_hashes(self.hashes)),
            self.points,
            self.consent_granted,
            self.consent_version,
            self.erased,
            list(self.cards),
            packed_lots.to_text(self.lots),
            self.debits,
        ]


class BaseCache:
    """What central last said: customers by id, card owners, blocked cards, pools, and the pull cursor."""

    def __init__(self) -> None:
        self.customers: dict[str, CachedCustomer] = {}
        self.card_owner: dict[str, str] = {}
        self.blocked: set[str] = set()
        #: Cards of customers not cached (their owner is known, the customer is not).
        self.orphan_cards: dict[str, tuple[str, ...]] = {}
        self.index = PrefixIndex()
        self.cursor = 0
        #: Own events (by seq) central has folded into the pulled balances.
        self.seq_through = 0
        #: Pulled pool state: each member's (pool id, share in percent), and each pool's points.
        self.pool_member: dict[str, tuple[str, int]] = {}
        self.pool_points: dict[str, int] = {}
        #: Each pool's member count as central sent it (absent from a central that sends none).
        self.pool_counts: dict[str, int] = {}
        #: Every held contact hash in one bytes object, with the customer of each (built by `holding`).
        self._hash_blob: tuple[bytes, list[str]] | None = None

    def cards_of(self, customer_id: str) -> tuple[str, ...]:
        rec = self.customers.get(customer_id)
        return rec.cards if rec is not None else self.orphan_cards.get(customer_id, ())

    def pool_size(self, pool_id: str) -> int:
        """The pool's members as pulled: central's count, else the members held here (a store holds its share)."""
        count = self.pool_counts.get(pool_id)
        return count if count is not None else self.held_members(pool_id)

    def held_members(self, pool_id: str) -> int:
        """The pool's members this device holds."""
        return sum(1 for pid, _ in self.pool_member.values() if pid == pool_id)

    def set_pool_balance(self, pool: PoolBalanceState) -> None:
        self.pool_points[pool.pool_id] = pool.points
        if pool.members is not None:
            self.pool_counts[pool.pool_id] = pool.members

    def fresh_index(self) -> PrefixIndex:
        """The search index built anew from the cached customers."""
        return PrefixIndex.build((key, cid) for cid, rec in self.customers.items() for key in rec.index_keys())

    def link_card(self, uid: str, owner: str) -> None:
        """Make `owner` the card's owner, taking it off its previous owner's cards."""
        previous = self.card_owner.get(uid)
        if previous == owner:
            return
        if previous is not None:
            rec = self.customers.get(previous)
            if rec is not None:
                rec.cards = tuple(u for u in rec.cards if u != uid)
            else:
                self.orphan_cards[previous] = tuple(u for u in self.orphan_cards.get(previous, ()) if u != uid)
        self.card_owner[uid] = owner
        rec = self.customers.get(owner)
        if rec is not None:
            rec.cards += (uid,)
        else:
            self.orphan_cards[owner] = self.orphan_cards.get(owner, ()) + (uid,)

    def merge(self, batch: PulledBatch, keep_erased: Container[str] = ()) -> None:
        """Apply a pulled page's customers, cards, removals, erasures and pools, and its cursor (not its
        seq_through); an erased customer the cache never held is noted only if in `keep_erased`."""
        rebuild = len(batch.customers) > REBUILD_INDEX_ABOVE
        for state in batch.customers:
            self.upsert_customer(state, edit_index=not rebuild)
        for card in batch.cards:
            self.upsert_card(card)
        for cid in batch.removed:
            self.remove_customer(cid, edit_index=not rebuild)
        for cid in batch.erased:
            if cid in self.customers or cid in self.orphan_cards or cid in keep_erased:
                self.erase_customer(cid, edit_index=not rebuild)
        for member in batch.pool_members:
            self.set_pool_member(member)
        for pool in batch.pool_balances:
            self.set_pool_balance(pool)
        if rebuild:
            self.index = self.fresh_index()
        self.cursor = batch.cursor

    def upsert_customer(self, state: CustomerState, *, edit_index: bool) -> None:
        cid = state.customer_id
        old = self.customers.pop(cid, None)  # popped: the row goes to the end, the most recently seen
        self._hash_blob = None
        cards = old.cards if old is not None else self.orphan_cards.pop(cid, ())
        erased = state.erased or (old is not None and old.erased)
        if erased:
            rec = CachedCustomer(
                cid,
                None,
                None,
                b"",
                state.points,
                state.consent_granted,
                state.consent_version,
                True,
                cards,
                packed_lots.pack(state.lots),
                state.debits,
            )
        else:
            # Only the initial of a surname, even from a central that still sent it whole.
            initial = state.last_initial or (state.last_name or "").strip()[:1].upper() or None
            rec = CachedCustomer(
                cid,
                state.first_name,
                initial,
                pack_hashes(state.contact_hashes),
                state.points,
                state.consent_granted,
                state.consent_version,
                False,
                cards,
                packed_lots.pack(state.lots),
                state.debits,
            )
        if edit_index:
            old_keys = old.index_keys() if old is not None else set()
            new_keys = rec.index_keys()
            for key in old_keys - new_keys:
                self.index.discard(key, cid)
            for key in new_keys - old_keys:
                self.index.add(key, cid)
        self.customers[cid] = rec

    def holding(self, hashes: Iterable[str]) -> list[str]:
        """Customers with one of these contact hashes (the offline duplicate check).

        Searched in one bytes object of every held hash, built when first needed after a change (about 50
        bytes a customer, a millisecond per search at 100 000), rather than a dictionary of hashes (about
        200 bytes a customer, kept for a check made only offline).
        """
        if self._hash_blob is None:
            owners = []
            for cid, rec in self.customers.items():
                owners.extend([cid] * (len(rec.hashes) // HASH_BYTES))
            self._hash_blob = (b"".join(rec.hashes for rec in self.customers.values()), owners)
        blob, owners = self._hash_blob
        found: list[str] = []
        for digest in {bytes.fromhex(h) for h in hashes}:
            at = blob.find(digest)
            while at >= 0:
                if at % HASH_BYTES == 0 and owners[at // HASH_BYTES] not in found:
                    found.append(owners[at // HASH_BYTES])
                at = blob.find(digest, at + 1)
        return found

    def seen(self, cid: str) -> None:
        """The customer was just seen here (tapped, opened): last in line to be evicted."""
        rec = self.customers.pop(cid, None)
        if rec is not None:
            self.customers[cid] = rec

    def remove_customer(self, cid: str, *, edit_index: bool) -> None:
        """Forget a customer: row, cards, search keys, hashes and pool membership (out of scope, or evicted)."""
        old = self.customers.pop(cid, None)
        self._hash_blob = None
        cards = old.cards if old is not None else self.orphan_cards.pop(cid, ())
        for uid in cards:
            if self.card_owner.get(uid) == cid:
                del self.card_owner[uid]
            self.blocked.discard(uid)
        if old is not None and edit_index:
            for key in old.index_keys():
                self.index.discard(key, cid)
        self.pool_member.pop(cid, None)

    def evict(self, keep_at_most: int, keep: Container[str] = ()) -> list[str]:
        """Forget the least recently seen customers beyond `keep_at_most`, never one in `keep`; their ids."""
        excess = len(self.customers) - keep_at_most
        if excess <= 0:
            return []
        gone: list[str] = []
        for cid in self.customers:
            if len(gone) >= excess:
                break
            if cid not in keep:
                gone.append(cid)
        rebuild = len(gone) > REBUILD_INDEX_ABOVE
        for cid in gone:
            self.remove_customer(cid, edit_index=not rebuild)
        if rebuild:
            self.index = self.fresh_index()
        return gone

    def upsert_card(self, card: CardState) -> None:
        self.link_card(card.card_uid, card.customer_id)
        if card.blocked:
            self.blocked.add(card.card_uid)
        else:
            self.blocked.discard(card.card_uid)

    def set_pool_member(self, member: PoolMemberState) -> None:
        if member.pool_id is None:
            self.pool_member.pop(member.customer_id, None)
        else:
            self.pool_member[member.customer_id] = (member.pool_id, member.share_pct)

    def erase_customer(self, cid: str, *, edit_index: bool) -> None:
        old = self.customers.get(cid)
        self._hash_blob = None
        if old is None:
            self.customers[cid] = CachedCustomer(
                cid, None, None, b"", 0, None, None, True, self.orphan_cards.pop(cid, ())
            )
            return
        if edit_index:
            for key in old.index_keys():
                self.index.discard(key, cid)
        old.first_name = old.last_initial = None
        old.hashes = b""
        old.erased = True
