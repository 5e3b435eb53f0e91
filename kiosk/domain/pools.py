"""Pooled points: members' cards give a share of each earn to a pool (household, works council) that redeems.

The rule: a member who joined with `share_pct` gives floor(points × share_pct / 100) of each earn to the pool,
decided when the earn is recorded and written as its own `PoolContributed` event, so the history stays right
whatever happens to membership later (leaving keeps every past contribution in the pool). A refund of a
contributing earn gives the pool's proportional share back to the member (`PoolContributionReversed`),
never more than the pool still holds. Balances are plain sums of these events, so every device and central
fold them the same way, in any order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.domain.events import (
    EarnReversed,
    PointsEarned,
    PoolContributed,
    PoolContributionReversed,
    PoolJoined,
    PoolLeft,
    PoolRedeemed,
)
from kiosk.domain.ledger import Ledger
from kiosk.domain.rewards import Reward
from kiosk.errors import InsufficientPoints, InvalidAmount, PoolRefused

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


def join(ledger: Ledger, *, device_id: str, pool_id: str, customer_id: str, share_pct: int,
         cashier_id: str | None = None) -> PoolJoined:
    """The event making `customer_id` give `share_pct` percent of future earns to the pool."""
    pool_id = check_pool_id(pool_id)
    if isinstance(share_pct, bool) or not isinstance(share_pct, int) or not 1 <= share_pct <= 100:
        raise PoolRefused(f"a pool share is a whole percent from 1 to 100, got {share_pct!r}")
    return PoolJoined(device_id=device_id, cashier_id=cashier_id, pool_id=pool_id, customer_id=customer_id,
                      share_pct=share_pct)


def leave(ledger: Ledger, *, device_id: str, customer_id: str, cashier_id: str | None = None) -> PoolLeft:
    """The event ending the customer's membership; the pool keeps what was given."""
    membership = ledger.pool_of(customer_id)
    if membership is None:
        raise PoolRefused("this customer is not in a pool")
    return PoolLeft(device_id=device_id, cashier_id=cashier_id, pool_id=membership[0], customer_id=customer_id)


def contribute(ledger: Ledger, earn: PointsEarned) -> PoolContributed | None:
    """The pool's part of an earn just recorded, or None if the customer gives to no pool (or it rounds to 0)."""
    membership = ledger.pool_of(earn.customer_id)
    if membership is None:
        return None
    points = contribution(earn.points, membership[1])
    if points == 0:
        return None
    return PoolContributed(device_id=earn.device_id, cashier_id=earn.cashier_id, pool_id=membership[0],
                           customer_id=earn.customer_id, earn_event_id=earn.event_id, points=points)


def give_back(ledger: Ledger, reversal: EarnReversed) -> PoolContributionReversed | None:
    """After a reversal is applied: the pool's share of the refunded points back to the member, or None.

    The pool's total give-back for an earn is floor(contributed × reversed / earned), so a full refund gives
    back all it contributed; never more than the pool still holds (points it spent stay spent).
    """
    given = ledger.pool_contributions.get(reversal.earn_event_id)
    earn = ledger.earns.get(reversal.earn_event_id)
    if given is None or earn is None or earn.points == 0:
        return None
    due = given.points * earn.reversed_points // earn.points - given.given_back
    points = min(due, max(0, ledger.pool_balance(given.pool_id)))
    if points <= 0:
        return None
    return PoolContributionReversed(device_id=reversal.device_id, cashier_id=reversal.cashier_id,
                                    pool_id=given.pool_id, customer_id=given.customer_id,
                                    earn_event_id=reversal.earn_event_id, points=points)


def redeem(ledger: Ledger, reward: Reward, *, device_id: str, customer_id: str, quantity: int = 1,
           cashier_id: str | None = None) -> PoolRedeemed:
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
    return PoolRedeemed(device_id=device_id, cashier_id=cashier_id, pool_id=membership[0], customer_id=customer_id,
                        reward_id=reward.reward_id, reward_kind=reward.kind, points=cost, quantity=quantity)


def summary(ledger: Ledger, customer_id: str) -> PoolSummary | None:
    """The pool a customer gives to, as the member sees it; None when in no pool."""
    membership = ledger.pool_of(customer_id)
    if membership is None:
        return None
    pool_id, share = membership
    return PoolSummary(pool_id, ledger.pool_balance(pool_id), len(ledger.pool_members.get(pool_id, {})), share)
