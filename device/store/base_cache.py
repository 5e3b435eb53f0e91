"""The base cache: customers, cards and pools as last pulled from central, with the card and search indexes.

Compact, since 100 000 customers must fit in a few tens of MB (`CachedCustomer` has `__slots__`, lots are
packed). Only a pulled batch changes it (`merge`); this device's pending events live in the overlay on top
(`pending_overlay.py`), never in here.
"""

from __future__ import annotations

from device.store import packed_lots
from device.store.prefix_index import PrefixIndex
from loyalty.domain.customers import search_keys
from loyalty.domain.snapshot import CardState, CustomerState, PoolMemberState, PulledBatch

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

    def index_keys(self) -> set[str]:
        if self.erased:
            return set()
        return search_keys(self.first_name, self.last_name, self.phone, self.email)

    def row(self) -> list:
        return [self.customer_id, self.first_name, self.last_name, self.phone, self.email, self.points,
                self.consent_granted, self.consent_version, self.erased, list(self.cards),
                packed_lots.to_text(self.lots), self.debits]


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

    def cards_of(self, customer_id: str) -> tuple[str, ...]:
        rec = self.customers.get(customer_id)
        return rec.cards if rec is not None else self.orphan_cards.get(customer_id, ())

    def pool_size(self, pool_id: str) -> int:
        """The pool's members as pulled."""
        return sum(1 for pid, _ in self.pool_member.values() if pid == pool_id)

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

    def merge(self, batch: PulledBatch) -> None:
        """Apply a pulled page's customers, cards, erasures and pools, and its cursor (not its seq_through)."""
        rebuild = len(batch.customers) > REBUILD_INDEX_ABOVE
        for state in batch.customers:
            self.upsert_customer(state, edit_index=not rebuild)
        for card in batch.cards:
            self.upsert_card(card)
        for cid in batch.erased:
            self.erase_customer(cid, edit_index=not rebuild)
        for member in batch.pool_members:
            self.set_pool_member(member)
        for pool in batch.pool_balances:
            self.pool_points[pool.pool_id] = pool.points
        if rebuild:
            self.index = self.fresh_index()
        self.cursor = batch.cursor

    def upsert_customer(self, state: CustomerState, *, edit_index: bool) -> None:
        cid = state.customer_id
        old = self.customers.get(cid)
        cards = old.cards if old is not None else self.orphan_cards.pop(cid, ())
        erased = state.erased or (old is not None and old.erased)
        if erased:
            rec = CachedCustomer(cid, None, None, None, None, state.points, state.consent_granted,
                                 state.consent_version, True, cards, packed_lots.pack(state.lots), state.debits)
        else:
            rec = CachedCustomer(cid, state.first_name, state.last_name, state.phone, state.email,
                                 state.points, state.consent_granted, state.consent_version, False, cards,
                                 packed_lots.pack(state.lots), state.debits)
        if edit_index:
            old_keys = old.index_keys() if old is not None else set()
            new_keys = rec.index_keys()
            for key in old_keys - new_keys:
                self.index.discard(key, cid)
            for key in new_keys - old_keys:
                self.index.add(key, cid)
        self.customers[cid] = rec

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
        if old is None:
            self.customers[cid] = CachedCustomer(cid, None, None, None, None, 0, None, None, True,
                                                 self.orphan_cards.pop(cid, ()))
            return
        if edit_index:
            for key in old.index_keys():
                self.index.discard(key, cid)
        old.first_name = old.last_name = old.phone = old.email = None
        old.erased = True
