"""The pending overlay: this device's events central has not folded yet, on top of the base cache.

A `loyalty.domain.ledger.Ledger` folds the pending events (seq > seq_through), seeded with the base state of
just the customers, cards and pools those events touch (and the kept earn a pending refund reverses), so
balances follow the domain's own rules. Reads look at the overlay first, then the base. Lots and debits only
add up, so the overlay holds just their pending part and `lots_ledger` adds the pulled part.

Search: a customer whose name, phone or e-mail comes from a pending event (registered, updated or erased
here) is indexed in the overlay, and the base's keys for it no longer count; a customer an earn merely
touched keeps the base's keys, so an earn costs no index work.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import replace

from device.store import packed_lots
from device.store.base_cache import BaseCache, unpack_hashes
from device.store.kept_earns import KeptEarns
from device.store.prefix_index import PrefixIndex
from device.store.views import CustomerView
from loyalty.domain.customers import last_initial, normalise_query, search_keys
from loyalty.domain.events import CardLinked, CustomerErased, CustomerRegistered, EarnReversed, Event, ProfileUpdated
from loyalty.domain.ledger import Consent, Customer, EarnRecord, Ledger, PoolContribution
from loyalty.domain.pools import PoolSummary

_PROFILE_EVENTS = (CustomerRegistered, ProfileUpdated, CustomerErased)


class PendingOverlay:
    """What this device knows now: the pending events folded over the base cache and the kept earns."""

    def __init__(self, base: BaseCache, kept: KeptEarns, events: Iterable[Event] = ()) -> None:
        self._base = base
        self._kept = kept
        self.ledger = Ledger()
        self._seeded_customers: set[str] = set()
        self._seeded_cards: set[str] = set()
        self._seeded_pools: set[str] = set()
        #: Per seeded pool, its members this device does not hold (central's count less the held ones).
        self._unheld: dict[str, int] = {}
        #: Search keys of the customers whose searchable fields come from pending events.
        self._keys: dict[str, tuple[str, ...]] = {}
        self._cards_of: dict[str, list[str]] = {}
        self._index = PrefixIndex()
        self._bulk = True  # keys are collected, then sorted once
        try:
            for event in events:
                self.apply(event)
        finally:
            self._bulk = False
        self._index = PrefixIndex.build((key, cid) for cid, keys in self._keys.items() for key in keys)

    # -- folding -----------------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Fold one pending event in, after seeding what it touches."""
        self._seed(event)
        self.ledger.apply(event)
        cid = getattr(event, "customer_id", None)
        if isinstance(event, _PROFILE_EVENTS) and cid in self.ledger.customers:
            self._reindex(cid)
        if isinstance(event, CardLinked):
            self._cards_of.setdefault(event.customer_id, []).append(event.card_uid)

    def _seed(self, event: Event) -> None:
        """Copy into the overlay the base state of what `event` touches, so the Ledger's rules see it."""
        overlay, base = self.ledger, self._base
        cid = getattr(event, "customer_id", None)
        if cid is not None and cid not in self._seeded_customers:
            self._seeded_customers.add(cid)
            rec = base.customers.get(cid)
            if rec is not None:
                consent = (
                    Consent(rec.consent_granted, rec.consent_version or "", "", "central")
                    if rec.consent_granted is not None
                    else None
                )
                # The base holds a surname's initial only: it stands in as a one-letter surname.
                overlay.customers[cid] = Customer(
                    cid, rec.first_name, rec.last_initial, None, None, consent, rec.erased
                )
                overlay.balances[cid] = rec.points  # lots and debits only add up: the overlay holds the pending part
            membership = base.pool_member.get(cid)
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
            owner = base.card_owner.get(uid)
            if owner is not None:
                overlay.cards[uid] = owner
            if uid in base.blocked:
                overlay.blocked_cards.add(uid)
        if isinstance(event, EarnReversed) and event.earn_event_id not in overlay.earns:
            given = self._kept.copy_into(overlay, event.earn_event_id)
            if given is not None:
                self._seed_pool(given.pool_id)

    def _seed_pool(self, pool_id: str) -> None:
        if pool_id not in self._seeded_pools:
            self._seeded_pools.add(pool_id)
            self.ledger.pool_balances[pool_id] = self._base.pool_points.get(pool_id, 0)
            # The pool's other members as pulled, so the overlay's member count starts right.
            members = self.ledger.pool_members.setdefault(pool_id, {})
            for cid, (pid, share) in self._base.pool_member.items():
                if pid == pool_id and cid not in self._seeded_customers:
                    members.setdefault(cid, share)
            # Pending joins and leaves then move the count from central's, not from the members held here.
            self._unheld[pool_id] = max(0, self._base.pool_size(pool_id) - len(members))

    def _reindex(self, cid: str) -> None:
        customer = self.ledger.customers[cid]
        new = (
            set()
            if customer.erased
            else search_keys(customer.first_name, customer.last_name, customer.phone, customer.email)
        )
        old = set(self._keys.get(cid, ()))
        self._keys[cid] = tuple(new)  # a tuple is a fifth of a set's size
        if self._bulk:
            return
        for key in old - new:
            self._index.discard(key, cid)
        for key in new - old:
            self._index.add(key, cid)

    # -- reading -----------------------------------------------------------------------------------------

    def balance(self, customer_id: str) -> int:
        points = self.ledger.balances.get(customer_id)
        if points is not None:
            return points
        rec = self._base.customers.get(customer_id)
        return rec.points if rec is not None else 0

    def pool_of(self, customer_id: str) -> tuple[str, int] | None:
        if customer_id in self._seeded_customers:
            return self.ledger.pool_of(customer_id)
        return self._base.pool_member.get(customer_id)

    def pool_balance(self, pool_id: str) -> int:
        if pool_id in self._seeded_pools:
            return self.ledger.pool_balance(pool_id)
        return self._base.pool_points.get(pool_id, 0)

    def pool_summary(self, customer_id: str) -> PoolSummary | None:
        membership = self.pool_of(customer_id)
        if membership is None:
            return None
        pool_id, share = membership
        if pool_id in self._seeded_pools:
            members = len(self.ledger.pool_members.get(pool_id, {})) + self._unheld[pool_id]
        else:
            members = self._base.pool_size(pool_id)
        return PoolSummary(pool_id, self.pool_balance(pool_id), members, share)

    def lots_ledger(self, cid: str) -> Ledger:
        """A Ledger holding only this customer's balance, lots and debits: the pulled ones plus the pending part."""
        overlay, rec = self.ledger, self._base.customers.get(cid)
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
        return self._kept.earned_on(customer_id, day) + self.ledger.earned_on(customer_id, day)

    def holds_earn(self, earn_event_id: str) -> bool:
        return earn_event_id in self.ledger.earns

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None:
        found = self.ledger.pool_contributions.get(earn_event_id) or self._kept.pool_contribution(earn_event_id)
        return replace(found) if found is not None else None

    def earn_record(self, earn_event_id: str) -> EarnRecord | None:
        record = self.ledger.earns.get(earn_event_id) or self._kept.earn(earn_event_id)
        return replace(record) if record is not None else None

    def earn_for_receipt(self, receipt_ref: str) -> EarnRecord | None:
        event_id = self._kept.earn_id_for_receipt(receipt_ref) or self.ledger.earns_by_receipt.get(receipt_ref)
        return self.earn_record(event_id) if event_id is not None else None

    def customer(self, customer_id: str) -> CustomerView | None:
        if customer_id not in self._base.customers and customer_id not in self.ledger.customers:
            return None
        return self._view(customer_id, None)

    def customer_by_card(self, card_uid: str) -> CustomerView | None:
        owner = self.ledger.cards.get(card_uid) or self._base.card_owner.get(card_uid)
        return self._view(owner, card_uid) if owner is not None else None

    def _view(self, cid: str, card_uid: str | None) -> CustomerView:
        base, overlay = self._base, self.ledger
        rec = base.customers.get(cid)
        current = overlay.customers.get(cid)
        cards: list[str] = []
        for uid in base.cards_of(cid):
            if overlay.cards.get(uid, cid) == cid:
                cards.append(uid)
        for uid in self._cards_of.get(cid, ()):
            if overlay.cards.get(uid) == cid and uid not in cards:
                cards.append(uid)
        blocked = card_uid is not None and (card_uid in overlay.blocked_cards or card_uid in base.blocked)
        points = overlay.balances.get(cid)
        if points is None:
            points = rec.points if rec is not None else 0
        hashes = unpack_hashes(rec.hashes) if rec is not None and rec.hashes else ()
        if current is not None:
            consent = current.consent
            initial = last_initial(current.last_name)
            surname = current.last_name if current.last_name and len(current.last_name) > 1 else None
            return CustomerView(
                cid,
                current.first_name,
                surname,
                current.phone,
                current.email,
                points,
                tuple(cards),
                blocked,
                consent.granted if consent else None,
                consent.text_version if consent else None,
                current.erased,
                None if current.erased else initial,
                () if current.erased else hashes,
            )
        if rec is not None:
            return CustomerView(
                cid,
                rec.first_name,
                None,
                None,
                None,
                points,
                tuple(cards),
                blocked,
                rec.consent_granted,
                rec.consent_version,
                rec.erased,
                rec.last_initial,
                hashes,
            )
        return CustomerView(cid, None, None, None, None, points, tuple(cards), blocked, None, None, False)

    def search(self, text: str, limit: int) -> list[CustomerView]:
        """Customers with a first name, last name, full name, phone or e-mail starting with `text`."""
        query = normalise_query(text) if isinstance(text, str) else ""
        if not query or limit <= 0:
            return []
        rekeyed = self._keys
        found: list[CustomerView] = []
        seen: set[str] = set()
        for _, cid, from_base in heapq.merge(
            _tagged(self._base.index.prefix(query), True), _tagged(self._index.prefix(query), False)
        ):
            if cid in seen or (from_base and cid in rekeyed):
                continue
            seen.add(cid)
            view = self._view(cid, None)
            if not view.erased:
                found.append(view)
                if len(found) >= limit:
                    break
        return found

    def touches(self, found) -> bool:
        """Whether a looked-up customer (`LookedUp`) changes what the overlay seeded from the base."""
        return (
            found.customer.customer_id in self._seeded_customers
            or any(card.card_uid in self._seeded_cards for card in found.cards)
            or any(pool.pool_id in self._seeded_pools for pool in found.pool_balances)
        )

    def counts(self) -> tuple[int, int]:
        """(customers, cards) known here: the base's and those only pending events name."""
        base, overlay = self._base, self.ledger
        customers = len(base.customers) + sum(1 for c in overlay.customers if c not in base.customers)
        cards = len(base.card_owner) + sum(1 for u in overlay.cards if u not in base.card_owner)
        return customers, cards


def _tagged(pairs: Iterator[tuple[str, str]], from_base: bool) -> Iterator[tuple[str, str, bool]]:
    for key, owner in pairs:
        yield key, owner, from_base
