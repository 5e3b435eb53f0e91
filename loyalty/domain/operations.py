"""Business operations: check the rules against the current state and make the event to record.

They read state through `AccountView` (the reference `Ledger` and the store both provide it) and never
write: the caller records the event they return.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from loyalty.domain import pools
from loyalty.domain.earning import EarningScale, EarnQuote, check_cents, quote_earn
from loyalty.domain.events import EarnReversed, PointsEarned, PointsRedeemed, now_local
from loyalty.domain.ledger import EarnRecord, PoolContribution
from loyalty.domain.rewards import Reward
from loyalty.errors import (
    InsufficientPoints,
    InvalidAmount,
    NothingToReverse,
    ReceiptAlreadyCredited,
    UnknownReceipt,
)

MAX_REF_LENGTH = 64


class AccountView(Protocol):
    """Read access to balances and earns, as both the Ledger and the store give it."""

    def balance(self, customer_id: str) -> int: ...

    def earned_on(self, customer_id: str, day: str) -> int: ...

    def earn_for_receipt(self, receipt_ref: str) -> EarnRecord | None: ...

    def earn_record(self, earn_event_id: str) -> EarnRecord | None: ...

    def pool_balance(self, pool_id: str) -> int: ...

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None: ...


def _check_ref(receipt_ref: str) -> str:
    ref = receipt_ref.strip() if isinstance(receipt_ref, str) else ""
    if not ref or len(ref) > MAX_REF_LENGTH or not ref.isprintable():
        raise InvalidAmount(f"a receipt reference must be 1 to {MAX_REF_LENGTH} printable characters")
    return ref


def earn(
    view: AccountView,
    scale: EarningScale,
    *,
    device_id: str,
    customer_id: str,
    receipt_ref: str,
    lines: Mapping[str, int],
    cashier_id: str | None = None,
    card_uid: str | None = None,
    at: str | None = None,
) -> tuple[PointsEarned, EarnQuote]:
    """The earn event for a receipt, with the quote it was computed from (caps applied).

    A receipt is credited once: when `view` already holds an earn for it, ReceiptAlreadyCredited carries it.
    """
    ref = _check_ref(receipt_ref)
    earlier = view.earn_for_receipt(ref)
    if earlier is not None:
        raise ReceiptAlreadyCredited(f"receipt {ref} was already credited", earlier)
    at = at or now_local()
    day = at[:10]
    quote = quote_earn(scale, lines, date.fromisoformat(day), view.earned_on(customer_id, day))
    event = PointsEarned(
        device_id=device_id,
        cashier_id=cashier_id,
        at=at,
        customer_id=customer_id,
        receipt_ref=ref,
        amount_cents=quote.amount_cents,
        points=quote.points,
        lines=tuple((line.category, line.cents, line.points) for line in quote.lines),
        card_uid=card_uid,
    )
    return event, quote


def redeem(
    view: AccountView,
    reward: Reward,
    *,
    device_id: str,
    customer_id: str,
    quantity: int = 1,
    cashier_id: str | None = None,
) -> PointsRedeemed:
    """The redemption event for a reward, refused if the balance does not cover it."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise InvalidAmount(f"quantity must be a whole number from 1 to 99, got {quantity!r}")
    cost = reward.points_price * quantity
    balance = view.balance(customer_id)
    if cost > balance:
        raise InsufficientPoints(f"{reward.name} costs {cost} points; the balance is {balance}")
    return PointsRedeemed(
        device_id=device_id,
        cashier_id=cashier_id,
        customer_id=customer_id,
        reward_id=reward.reward_id,
        reward_kind=reward.kind,
        points=cost,
        quantity=quantity,
    )


def reverse(
    view: AccountView,
    *,
    device_id: str,
    receipt_ref: str,
    refund_cents: int | None = None,
    cashier_id: str | None = None,
) -> EarnReversed:
    """The reversal for a refund of `refund_cents` (the whole receipt when None) of an earlier earn.

    Takes back the refunded share of the points, never more than the earn has left: the member's part
    never more than the balance holds (points already spent stay spent), and the part the earn gave a
    pool never more than the pool holds (`pools.refund_split`).
    """
    ref = _check_ref(receipt_ref)
    earn_record = view.earn_for_receipt(ref)
    if earn_record is None:
        raise UnknownReceipt(f"no earn was recorded for receipt {ref}")
    left_cents = earn_record.amount_cents - earn_record.refunded_cents
    if earn_record.remaining_points <= 0 or left_cents <= 0:
        raise NothingToReverse(f"receipt {ref} has already been refunded in full")
    cents = left_cents if refund_cents is None else check_cents(refund_cents, "refund amount")
    if cents > left_cents:
        raise InvalidAmount(f"refund of {cents} cents is more than the {left_cents} cents left on receipt {ref}")
    # The member's part from the member, the pool's part from the pool (`pools.give_back` records it next).
    member_part, pool_part = pools.refund_split(view, earn_record, cents)
    points = member_part + pool_part
    return EarnReversed(
        device_id=device_id,
        cashier_id=cashier_id,
        customer_id=earn_record.customer_id,
        earn_event_id=earn_record.event_id,
        receipt_ref=ref,
        refund_cents=cents,
        points=points,
    )
