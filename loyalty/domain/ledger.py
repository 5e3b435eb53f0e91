"""Balances and customer state as a fold of the event ledger; applying an event twice changes nothing.

`Ledger` is the reference fold: the store keeps a faster, indexed view of the same state, and the
property tests hold both to it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from loyalty.domain.events import (
    CardBlocked,
    CardLinked,
    ConsentChanged,
    CustomerErased,
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsMoved,
    PointsRedeemed,
    PoolContributed,
    PoolContributionReversed,
    PoolJoined,
    PoolLeft,
    PoolRedeemed,
    ProfileUpdated,
    RedemptionCancelled,
    VoucherIssued,
)

PROFILE_FIELDS = ("first_name", "last_name", "phone", "email")


@dataclass(frozen=True)
class Consent:
    """The latest consent decision and the text version it was given for."""

    granted: bool
    text_version: str
    at: str
    channel: str


@dataclass(frozen=True)
class Customer:
    """What the till knows of a customer; personal fields are None once erased."""

    customer_id: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: Consent | None = None
    erased: bool = False


@dataclass(slots=True)
class EarnRecord:
    """One earn and how much of it refunds have taken back so far (slots: a till keeps thousands for refunds)."""

    event_id: str
    customer_id: str
    receipt_ref: str
    amount_cents: int
    points: int
    refunded_cents: int = 0
    reversed_points: int = 0

    @property
    def remaining_points(self) -> int:
        return self.points - self.reversed_points


@dataclass(slots=True)
class PoolContribution:
    """What one earn gave a pool, and how much of that refunds have given back to the member."""

    pool_id: str
    customer_id: str
    points: int
    given_back: int = 0


@dataclass
class Ledger:
    """The fold of events: balances, customers, cards, earns by receipt, points earned per day."""

    balances: dict[str, int] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    cards: dict[str, str] = field(default_factory=dict)
    blocked_cards: set[str] = field(default_factory=set)
    earns: dict[str, EarnRecord] = field(default_factory=dict)
    earns_by_receipt: dict[str, str] = field(default_factory=dict)
    earned_per_day: dict[tuple[str, str], int] = field(default_factory=dict)
    consent_history: dict[str, list[Consent]] = field(default_factory=dict)
    overdrawn: list[str] = field(default_factory=list)
    #: Refunds asking for more than their receipt had left (two tills refunding it): capped, and flagged.
    over_refunded: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    #: Points each customer earned per local day, net of refunds: the lots that expire oldest first.
    lots: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Points each customer spent or lost to expiry, taken from the oldest lots.
    debits: dict[str, int] = field(default_factory=dict)
    earn_days: dict[str, str] = field(default_factory=dict)
    pool_balances: dict[str, int] = field(default_factory=dict)
    pool_members: dict[str, dict[str, int]] = field(default_factory=dict)
    member_pool: dict[str, str] = field(default_factory=dict)
    pool_contributions: dict[str, PoolContribution] = field(default_factory=dict)

    @classmethod
    def fold(cls, events: Iterable[Event]) -> Ledger:
        ledger = cls()
        for event in events:
            ledger.apply(event)
        return ledger

    def balance(self, customer_id: str) -> int:
        return self.balances.get(customer_id, 0)

    def pool_balance(self, pool_id: str) -> int:
        return self.pool_balances.get(pool_id, 0)

    def points_held(self) -> int:
        """What the programme owes: the points customers hold and the points their pools hold."""
        return sum(self.balances.values()) + sum(self.pool_balances.values())

    def points_held_by(self, event: Event) -> int:
        """What the customers and the pool an event touches hold now. Its change over the event is the change in
        what the programme owes: an earn's share moved to a pool changes nothing, a pool's redemption lowers it."""
        if isinstance(event, PointsMoved):
            held = self.balance(event.from_customer_id) + self.balance(event.customer_id)
        else:
            customer_id = getattr(event, "customer_id", None)
            held = self.balance(customer_id) if customer_id else 0
        pool_id = getattr(event, "pool_id", None)
        return held + (self.pool_balance(pool_id) if pool_id else 0)

    def pool_of(self, customer_id: str) -> tuple[str, int] | None:
        """The pool this customer gives to now and the share in percent, or None."""
        pool_id = self.member_pool.get(customer_id)
        return (pool_id, self.pool_members[pool_id][customer_id]) if pool_id else None

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None:
        """What an earn gave a pool and how much of it refunds gave back, or None."""
        return self.pool_contributions.get(earn_event_id)

    def earn_record(self, earn_event_id: str) -> EarnRecord | None:
        return self.earns.get(earn_event_id)

    def earned_on(self, customer_id: str, day: str) -> int:
        return self.earned_per_day.get((customer_id, day), 0)

    def earn_for_receipt(self, receipt_ref: str) -> EarnRecord | None:
        event_id = self.earns_by_receipt.get(receipt_ref)
        return self.earns.get(event_id) if event_id else None

    def expirable(self, customer_id: str, through_day: str) -> int:
        """Points earned on or before `through_day` that are still unspent (oldest points go first)."""
        earned = sum(p for day, p in self.lots.get(customer_id, {}).items() if day <= through_day)
        unspent = earned - self.debits.get(customer_id, 0)
        return max(0, min(unspent, self.balance(customer_id)))

    def _lot(self, customer_id: str, day: str, delta: int) -> None:
        days = self.lots.setdefault(customer_id, {})
        days[day] = days.get(day, 0) + delta

    def _debit(self, customer_id: str, points: int) -> None:
        self.debits[customer_id] = self.debits.get(customer_id, 0) + points

    def apply(self, event: Event) -> bool:
        """Fold one event in; returns False (and changes nothing) if it was applied before."""
        if event.event_id in self.seen:
            return False
        self.seen.add(event.event_id)
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)
        return True

    def _add(self, customer_id: str, delta: int) -> None:
        self.balances[customer_id] = self.balances.get(customer_id, 0) + delta


def _registered(ledger: Ledger, e: CustomerRegistered) -> None:
    existing = ledger.customers.get(e.customer_id)
    if existing is not None and existing.erased:
        return
    ledger.customers[e.customer_id] = Customer(
        e.customer_id, e.first_name, e.last_name, e.phone, e.email, existing.consent if existing else None
    )
    ledger.balances.setdefault(e.customer_id, 0)


def _profile(ledger: Ledger, e: ProfileUpdated) -> None:
    current = ledger.customers.get(e.customer_id, Customer(e.customer_id))
    if current.erased:
        return
    changes = {name: getattr(e, name) for name in PROFILE_FIELDS if getattr(e, name) is not None}
    ledger.customers[e.customer_id] = replace(current, **changes)


def _consent(ledger: Ledger, e: ConsentChanged) -> None:
    consent = Consent(e.granted, e.text_version, e.at, e.channel)
    ledger.consent_history.setdefault(e.customer_id, []).append(consent)
    current = ledger.customers.get(e.customer_id, Customer(e.customer_id))
    ledger.customers[e.customer_id] = replace(current, consent=consent)


def _card_linked(ledger: Ledger, e: CardLinked) -> None:
    ledger.cards[e.card_uid] = e.customer_id


def _card_blocked(ledger: Ledger, e: CardBlocked) -> None:
    ledger.blocked_cards.add(e.card_uid)


def _earned(ledger: Ledger, e: PointsEarned) -> None:
    day = sys.intern(e.day)  # one text per day, not one per earn: earn_days outlives the event
    ledger._add(e.customer_id, e.points)
    ledger.earns[e.event_id] = EarnRecord(e.event_id, e.customer_id, e.receipt_ref, e.amount_cents, e.points)
    ledger.earns_by_receipt.setdefault(e.receipt_ref, e.event_id)
    key = (e.customer_id, day)
    ledger.earned_per_day[key] = ledger.earned_per_day.get(key, 0) + e.points
    ledger.earn_days[e.event_id] = day
    ledger._lot(e.customer_id, day, e.points)


def _reversed(ledger: Ledger, e: EarnReversed) -> None:
    earn = ledger.earns.get(e.earn_event_id)
    # A reversal never takes more than what remains of the earn it refers to, whatever it says.
    points = min(e.points, earn.remaining_points) if earn is not None else 0
    if earn is not None:
        if e.refund_cents > earn.amount_cents - earn.refunded_cents:
            ledger.over_refunded.append(e.event_id)
        earn.reversed_points += points
        earn.refunded_cents = min(earn.amount_cents, earn.refunded_cents + e.refund_cents)
        ledger._lot(earn.customer_id, ledger.earn_days.get(earn.event_id, e.day), -points)
    ledger._add(e.customer_id, -points)


def _redeemed(ledger: Ledger, e: PointsRedeemed) -> None:
    ledger._add(e.customer_id, -e.points)
    ledger._debit(e.customer_id, e.points)
    if ledger.balances[e.customer_id] < 0:
        # Two offline tills can both spend the same points; the redemption stands and is flagged.
        ledger.overdrawn.append(e.event_id)


def _expired(ledger: Ledger, e: PointsExpired) -> None:
    # Like a reversal, expiry never takes more than the balance holds, whatever the event says.
    points = max(0, min(e.points, ledger.balance(e.customer_id)))
    ledger._add(e.customer_id, -points)
    ledger._debit(e.customer_id, points)


def _redemption_cancelled(ledger: Ledger, e: RedemptionCancelled) -> None:
    ledger._add(e.customer_id, e.points)


def _erased(ledger: Ledger, e: CustomerErased) -> None:
    # Consent history stays: it proves what was agreed, and holds no personal data once the profile is gone.
    ledger.customers[e.customer_id] = Customer(e.customer_id, erased=True)


def _voucher(ledger: Ledger, e: VoucherIssued) -> None:
    """A voucher's points were taken by its redemption; nothing more moves."""


def _pool_joined(ledger: Ledger, e: PoolJoined) -> None:
    # A customer gives to one pool at a time. A move is recorded as a leave then a join (`pools.move`); a join
    # into another pool without the leave (older devices) still leaves the previous one, so every fold agrees.
    previous = ledger.member_pool.get(e.customer_id)
    if previous is not None:
        ledger.pool_members[previous].pop(e.customer_id, None)
    ledger.pool_members.setdefault(e.pool_id, {})[e.customer_id] = e.share_pct
    ledger.member_pool[e.customer_id] = e.pool_id
    ledger.pool_balances.setdefault(e.pool_id, 0)


def _pool_left(ledger: Ledger, e: PoolLeft) -> None:
    ledger.pool_members.get(e.pool_id, {}).pop(e.customer_id, None)
    if ledger.member_pool.get(e.customer_id) == e.pool_id:
        del ledger.member_pool[e.customer_id]


def _pool_contributed(ledger: Ledger, e: PoolContributed) -> None:
    ledger._add(e.customer_id, -e.points)
    ledger.pool_balances[e.pool_id] = ledger.pool_balances.get(e.pool_id, 0) + e.points
    ledger.pool_contributions[e.earn_event_id] = PoolContribution(e.pool_id, e.customer_id, e.points)


def _pool_contribution_reversed(ledger: Ledger, e: PoolContributionReversed) -> None:
    ledger._add(e.customer_id, e.points)
    ledger.pool_balances[e.pool_id] = ledger.pool_balances.get(e.pool_id, 0) - e.points
    contribution = ledger.pool_contributions.get(e.earn_event_id)
    if contribution is not None:
        contribution.given_back += e.points


def _pool_redeemed(ledger: Ledger, e: PoolRedeemed) -> None:
    ledger.pool_balances[e.pool_id] = ledger.pool_balances.get(e.pool_id, 0) - e.points
    if ledger.pool_balances[e.pool_id] < 0:
        ledger.overdrawn.append(e.event_id)


def _adjusted(ledger: Ledger, e: PointsAdjusted) -> None:
    if e.delta >= 0:
        ledger._add(e.customer_id, e.delta)
        ledger._lot(e.customer_id, e.day, e.delta)
        return
    # Like expiry, taking points back never goes below what the balance holds.
    points = max(0, min(-e.delta, ledger.balance(e.customer_id)))
    ledger._add(e.customer_id, -points)
    ledger._debit(e.customer_id, points)


def _moved(ledger: Ledger, e: PointsMoved) -> None:
    ledger._add(e.from_customer_id, -e.balance)
    ledger._add(e.customer_id, e.balance)
    for day, points in e.lots:
        ledger._lot(e.from_customer_id, day, -points)
        ledger._lot(e.customer_id, day, points)
    ledger._debit(e.from_customer_id, -e.debits)
    ledger._debit(e.customer_id, e.debits)


_HANDLERS: dict[type[Event], Callable[[Ledger, Any], None]] = {
    CustomerRegistered: _registered,
    ProfileUpdated: _profile,
    ConsentChanged: _consent,
    CardLinked: _card_linked,
    CardBlocked: _card_blocked,
    PointsEarned: _earned,
    EarnReversed: _reversed,
    PointsRedeemed: _redeemed,
    RedemptionCancelled: _redemption_cancelled,
    CustomerErased: _erased,
    VoucherIssued: _voucher,
    PointsExpired: _expired,
    PoolJoined: _pool_joined,
    PoolLeft: _pool_left,
    PoolContributed: _pool_contributed,
    PoolContributionReversed: _pool_contribution_reversed,
    PoolRedeemed: _pool_redeemed,
    PointsAdjusted: _adjusted,
    PointsMoved: _moved,
}
