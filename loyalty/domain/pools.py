"""Pooled points: members' cards give a share of each earn to a pool (household, works council) that redeems.

The rule: a member who joined with `share_pct` gives floor(points × share_pct / 100) of each earn to the pool,
decided when the earn is recorded and written as its own `PoolContributed` event, so the history stays right
whatever happens to membership later (leaving keeps every past contribution in the pool). A refund of a
contributing earn takes back exactly what the purchase gave: the member's part from the member (never more
than the member holds) and the pool's part from the pool (never more than the pool still holds), written as
the `EarnReversed` of both parts followed by `PoolContributionReversed` of the pool's part (`refund_split`,
`give_back`). Balances are plain sums of these events, so every device and central fold them the same way,
in any order.

Who may spend a pool: any current member, at a till or a kiosk, under the same offline caps as their own
points (`redeem`). A member gives to one pool at a time; going to another pool is an explicit `move` (a
`PoolLeft` then a `PoolJoined`), and `join` refuses a customer who is already in another pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from loyalty.domain.earning import points_to_reverse
from loyalty.domain.events import (
    EarnReversed,
    Event,
    PointsEarned,
    PoolContributed,
    PoolContributionReversed,
    PoolJoined,
    PoolLeft,
    PoolRedeemed,
)
from loyalty.domain.ledger import EarnRecord, Ledger, PoolContribution
from loyalty.domain.rewards import Reward
from loyalty.errors import InsufficientPoints, InvalidAmount, PoolMoveNeeded, PoolRefused

_POOL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class PoolSummary:
    """What a member is shown: the pool, its balance, its members' count and the member's own share."""

    pool_id: str
    points: int
    members: int
    share_pct: int


def check_pool_id(pool_id: object) -> str:
    if not isinstance(pool_id, str) or not _POOL_ID.match(pool_id):
        raise PoolRefused("a pool id is 1 to 64 letters, digits, '-' or '_'")
    return pool_id


def contribution(points: int, share_pct: int) -> int:
    """The pool's part of an earn: rounded down, so the member never gives more than the share."""
    if not 0 <= share_pct <= 100:
        raise InvalidAmount(f"a pool share is 0 to 100 percent, got {share_pct}")
    return points * share_pct // 100


def join(
    ledger: Ledger, *, device_id: str, pool_id: str, customer_id: str, share_pct: int, cashier_id: str | None = None
) -> PoolJoined:
    """The event making `customer_id` give `share_pct` percent of future earns to the pool.

    Joining the pool one is in again changes the share; a member of another pool must be moved (`move`).
    """
    pool_id = check_pool_id(pool_id)
    if isinstance(share_pct, bool) or not isinstance(share_pct, int) or not 1 <= share_pct <= 100:
        raise PoolRefused(f"a pool share is a whole percent from 1 to 100, got {share_pct!r}")
    membership = ledger.pool_of(customer_id)
    if membership is not None and membership[0] != pool_id:
        raise PoolMoveNeeded(f"this customer gives to pool {membership[0]}: move them to {pool_id} instead")
    return PoolJoined(
        device_id=device_id, cashier_id=cashier_id, pool_id=pool_id, customer_id=customer_id, share_pct=share_pct
    )


def move(
    ledger: Ledger, *, device_id: str, customer_id: str, to_pool: str, share_pct: int, cashier_id: str | None = None
) -> tuple[PoolLeft, PoolJoined]:
    """The two events moving a member to another pool: leaving the first (which keeps what was given), joining."""
    to_pool = check_pool_id(to_pool)
    membership = ledger.pool_of(customer_id)
    if membership is None:
        raise PoolRefused("this customer is not in a pool: add them to the pool instead")
    if membership[0] == to_pool:
        raise PoolRefused(f"this customer is already in pool {to_pool}")
    left = PoolLeft(device_id=device_id, cashier_id=cashier_id, pool_id=membership[0], customer_id=customer_id)
    joined = join(
        Ledger(),
        device_id=device_id,
        pool_id=to_pool,
        customer_id=customer_id,
        share_pct=share_pct,
        cashier_id=cashier_id,
    )
    return left, joined


def leave(ledger: Ledger, *, device_id: str, customer_id: str, cashier_id: str | None = None) -> PoolLeft:
    """The event ending the customer's membership; the pool keeps what was given."""
    membership = ledger.pool_of(customer_id)
    if membership is None:
        raise PoolRefused("this customer is not in a pool")
    return PoolLeft(device_id=device_id, cashier_id=cashier_id, pool_id=membership[0], customer_id=customer_id)


class MembershipView(Protocol):
    """What the contribution rule reads: who gives to which pool (the Ledger and the device store)."""

    def pool_of(self, customer_id: str) -> tuple[str, int] | None: ...


def contribute(view: MembershipView, earn: PointsEarned) -> PoolContributed | None:
    """The pool's part of an earn just recorded, or None if the customer gives to no pool (or it rounds to 0)."""
    membership = view.pool_of(earn.customer_id)
    if membership is None:
        return None
    points = contribution(earn.points, membership[1])
    if points == 0:
        return None
    return PoolContributed(
        device_id=earn.device_id,
        cashier_id=earn.cashier_id,
        pool_id=membership[0],
        customer_id=earn.customer_id,
        earn_event_id=earn.event_id,
        points=points,
    )


class RefundView(Protocol):
    """What the refund rule reads: balances, the earn and what it gave a pool (the Ledger and the store)."""

    def balance(self, customer_id: str) -> int: ...

    def pool_balance(self, pool_id: str) -> int: ...

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None: ...

    def earn_record(self, earn_event_id: str) -> EarnRecord | None: ...


def _pool_owed(given: PoolContribution, earn: EarnRecord, refunded_cents: int) -> int:
    """The pool's part of refunds adding up to `refunded_cents` of the earn: floor of its share, cumulative."""
    if earn.amount_cents <= 0:
        return given.points
    return given.points * min(refunded_cents, earn.amount_cents) // earn.amount_cents


def refund_split(view: RefundView, earn: EarnRecord, refund_cents: int) -> tuple[int, int]:
    """(member's part, pool's part) of a refund of `refund_cents` more of `earn`, in points.

    Both are cumulative: after refunds adding up to the receipt, the member has given back exactly what the
    purchase left with them and the pool exactly what it received; each is capped by what it holds now
    (points already spent stay spent, and a pool never goes below zero).
    """
    refunded = earn.refunded_cents + refund_cents
    earn_owed = points_to_reverse(earn.points, earn.amount_cents, 0, refunded, 0)
    given = view.pool_contribution(earn.event_id)
    pool_owed = _pool_owed(given, earn, refunded) if given is not None else 0
    given_back = given.given_back if given is not None else 0
    member_part = max(0, (earn_owed - pool_owed) - (earn.reversed_points - given_back))
    member_part = min(member_part, max(0, view.balance(earn.customer_id)))
    pool_part = 0
    if given is not None:
        pool_part = min(max(0, pool_owed - given_back), max(0, view.pool_balance(given.pool_id)))
    return member_part, pool_part


def give_back(view: RefundView, reversal: EarnReversed) -> PoolContributionReversed | None:
    """After a reversal is applied: the pool's part of the refund, taken from the pool, or None.

    It is the pool part `refund_split` gave before the reversal (the reversal moves neither the pool's
    balance nor what the pool gave back), so a stop between the two events is finished the same way.
    """
    given = view.pool_contribution(reversal.earn_event_id)
    earn = view.earn_record(reversal.earn_event_id)
    if given is None or earn is None:
        return None
    owed = _pool_owed(given, earn, earn.refunded_cents)
    points = min(max(0, owed - given.given_back), max(0, view.pool_balance(given.pool_id)))
    if points <= 0:
        return None
    return PoolContributionReversed(
        device_id=reversal.device_id,
        cashier_id=reversal.cashier_id,
        pool_id=given.pool_id,
        customer_id=given.customer_id,
        earn_event_id=reversal.earn_event_id,
        points=points,
    )


class PoolView(MembershipView, RefundView, Protocol):
    """What `follow_up` reads: memberships, balances, earns and what they gave a pool."""


def follow_up(view: PoolView, recorded: Event) -> PoolContributed | PoolContributionReversed | None:
    """The pool event that must be recorded right after `recorded`, or None.

    An earn by a pool member is followed by its contribution; a refund of a contributing earn by the pool's
    part of it. Always the very next event, so a device that stopped between the two finishes with the same
    call on restart.
    """
    if isinstance(recorded, PointsEarned):
        return contribute(view, recorded)
    if isinstance(recorded, EarnReversed):
        return give_back(view, recorded)
    return None


def redeem(
    ledger: Ledger,
    reward: Reward,
    *,
    device_id: str,
    customer_id: str,
    quantity: int = 1,
    cashier_id: str | None = None,
) -> PoolRedeemed:
    """A member spends the pool's points on a reward; refused if not a member or the pool balance is short."""
    membership = ledger.pool_of(customer_id)
    if membership is None:
        raise PoolRefused("only a member of a pool can spend its points")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise InvalidAmount(f"quantity must be a whole number from 1 to 99, got {quantity!r}")
    cost = reward.points_price * quantity
    balance = ledger.pool_balance(membership[0])
    if cost > balance:
        raise InsufficientPoints(f"{reward.name} costs {cost} points; the pool holds {balance}")
    return PoolRedeemed(
        device_id=device_id,
        cashier_id=cashier_id,
        pool_id=membership[0],
        customer_id=customer_id,
        reward_id=reward.reward_id,
        reward_kind=reward.kind,
        points=cost,
        quantity=quantity,
    )


def summary(ledger: Ledger, customer_id: str) -> PoolSummary | None:
    """The pool a customer gives to, as the member sees it; None when in no pool."""
    membership = ledger.pool_of(customer_id)
    if membership is None:
        return None
    pool_id, share = membership
    return PoolSummary(pool_id, ledger.pool_balance(pool_id), len(ledger.pool_members.get(pool_id, {})), share)
