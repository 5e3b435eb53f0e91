"""Points for web-shop, catalogue and partner orders: earn and refund by order id, exactly once per channel.

An order earns on the same scale, caps and bounds as a till receipt: the events are made by the domain's own
`earn`, `reverse`, `contribute` and `give_back` over a `Ledger` seeded with the customer's current rows, then
folded by the same ingest path as device pushes, under the pseudo-device `channel:<name>` (so reports can tell
store, web, catalogue and partner points apart). Each operation (the earn of an order, each refund of it by
refund id) keeps its answer in `channel_orders`, keyed by (channel, order id, operation): the same request sent
again gets the same answer and credits nothing; the same ids with other amounts are refused. Two instances
racing on one order both insert that key; the loser's transaction fails on it and is retried by
`in_transaction`, and then finds the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from central.channel_keys import ChannelKey
from central.clock import utc_now
from central.errors import BadRequest, Conflict, NotFound, OrderConflict
from central.ingest import ingest
from central.reference_data import EARNING_RULES
from central.schema import (
    cards,
    channel_orders,
    customer_search_keys,
    customers,
    earns,
    events,
    pool_balances,
    pool_memberships,
    settings,
)
from loyalty.domain import operations, pools
from loyalty.domain.customers import normalise_email
from loyalty.domain.earning import DEFAULT_CATEGORY, EarningScale, check_cents
from loyalty.domain.events import Event, now_local
from loyalty.domain.ledger import EarnRecord, Ledger, PoolContribution
from loyalty.earning_rules import earning_from_json
from loyalty.errors import ConfigError, UnknownReceipt

_ORDER_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,48}$")
_CATEGORY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_LINES = 20
MAX_CARD = 64
MAX_EMAIL = 254
CHANNEL_DEVICE_PREFIX = "channel:"


def channel_device(channel: str) -> str:
    """The device id an order channel's events carry (a real device id cannot contain ':')."""
    return CHANNEL_DEVICE_PREFIX + channel


def check_order_id(value: object, what: str = "order_id") -> str:
    if not isinstance(value, str) or not _ORDER_ID.match(value):
        raise BadRequest(f"{what} must be 1 to 48 letters, digits, '.', '_', ':', '/' or '-'")
    return value


def earning_scale(connection: Connection) -> EarningScale:
    """The scale the tills pull now (the defaults of a till's kiosk.toml while head office set none)."""
    value = connection.execute(select(settings.c.value_json).where(settings.c.key == EARNING_RULES)).scalar()
    try:
        return earning_from_json(json.loads(value) if value else {}).scale()
    except ConfigError as exc:  # pragma: no cover - the back office checks rules before publishing them
        raise Conflict(f"the published earning rules are not valid: {exc}") from None


def order_lines(body: Mapping[str, Any], scale: EarningScale) -> dict[str, int]:
    """The order's amounts by category: `lines` {category: cents} or a single `amount_cents`."""
    if ("lines" in body) == ("amount_cents" in body):
        raise BadRequest("send either amount_cents (the order total in cents) or lines {category: cents}")
    if "amount_cents" in body:
        return {DEFAULT_CATEGORY: check_cents(body["amount_cents"], "amount_cents", maximum=scale.max_receipt_cents)}
    lines = body["lines"]
    if not isinstance(lines, dict) or not 0 < len(lines) <= MAX_LINES:
        raise BadRequest(f"lines must be an object of 1 to {MAX_LINES} categories with their cents")
    for category in lines:
        if not _CATEGORY.match(category):
            raise BadRequest("a category name is 1 to 40 letters, digits, '-' or '_'")
    return {k: check_cents(v, f"lines.{k}", maximum=scale.max_receipt_cents) for k, v in lines.items()}


def find_customer(connection: Connection, body: Mapping[str, Any]) -> tuple[str, str | None]:
    """(customer id, card number) for the order's `card_number` or `email`; refused if unknown or blocked."""
    card, email = body.get("card_number"), body.get("email")
    if (card is None) == (email is None):
        raise BadRequest("send either card_number or email to name the customer")
    if card is not None:
        if not isinstance(card, str) or not 0 < len(card.strip()) <= MAX_CARD:
            raise BadRequest(f"card_number must be 1 to {MAX_CARD} characters")
        card = card.strip()
        row = connection.execute(
            select(cards.c.customer_id, cards.c.blocked, customers.c.erased)
            .join(customers, customers.c.customer_id == cards.c.customer_id)
            .where(cards.c.card_uid == card)
        ).first()
        if row is None or row.erased:
            raise NotFound("no customer has this card number")
        if row.blocked:
            raise Conflict("this card is blocked (lost, stolen or replaced); use the customer's new card or e-mail")
        return row.customer_id, card
    if not isinstance(email, str) or "@" not in email or len(email) > MAX_EMAIL:
        raise BadRequest("email must be an e-mail address")
    found = (
        connection.execute(
            select(customer_search_keys.c.customer_id)
            .where(customer_search_keys.c.key == normalise_email(email))
            .limit(2)
        )
        .scalars()
        .all()
    )
    if not found:
        raise NotFound("no customer has this e-mail address")
    if len(found) > 1:
        raise Conflict("several customers share this e-mail address; send the card number instead")
    return found[0], None


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _replay(connection: Connection, channel: str, order_id: str, operation: str, fingerprint: str) -> dict | None:
    row = connection.execute(
        select(channel_orders.c.request_hash, channel_orders.c.answer_json).where(
            channel_orders.c.channel == channel,
            channel_orders.c.order_id == order_id,
            channel_orders.c.operation == operation,
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise OrderConflict(
            f"order {order_id} was already sent on this channel with other details; "
            "nothing was changed (use a new order id for a new order)"
        )
    return json.loads(row.answer_json)


def _keep(
    connection: Connection,
    key: ChannelKey,
    order_id: str,
    operation: str,
    fingerprint: str,
    customer_id: str,
    event_id: str,
    answer: dict,
) -> None:
    connection.execute(
        channel_orders.insert().values(
            channel=key.channel,
            order_id=order_id,
            operation=operation,
            request_hash=fingerprint,
            customer_id=customer_id,
            event_id=event_id,
            answer_json=json.dumps(answer, separators=(",", ":")),
            key_id=key.key_id,
            created_at=utc_now(),
        )
    )


def _balance(connection: Connection, customer_id: str) -> int:
    return connection.execute(select(customers.c.points).where(customers.c.customer_id == customer_id)).scalar_one()


def _earned_on(connection: Connection, customer_id: str, day: str) -> int:
    """Points the customer earned on `day` on every channel and till (for the daily cap)."""
    payloads = connection.execute(
        select(events.c.payload).where(events.c.customer_id == customer_id, events.c.type == "PointsEarned")
    ).scalars()
    total = 0
    for payload in payloads:
        record = json.loads(payload)
        if str(record.get("at", ""))[:10] == day:
            total += int(record["points"])
    return total


def _seed_pool(connection: Connection, ledger: Ledger, customer_id: str) -> None:
    row = connection.execute(
        select(pool_memberships).where(
            pool_memberships.c.customer_id == customer_id, pool_memberships.c.pool_id.is_not(None)
        )
    ).first()
    if row is not None:
        ledger.pool_members.setdefault(row.pool_id, {})[customer_id] = row.share_pct
        ledger.member_pool[customer_id] = row.pool_id


def earn_order(connection: Connection, key: ChannelKey, body: Mapping[str, Any]) -> tuple[dict, bool]:
    """Credit an order once; returns (answer, replayed)."""
    order_id = check_order_id(body.get("order_id"))
    scale = earning_scale(connection)
    lines = order_lines(body, scale)
    customer_id, card = find_customer(connection, body)
    fingerprint = _fingerprint(customer_id, lines)
    previous = _replay(connection, key.channel, order_id, "earn", fingerprint)
    if previous is not None:
        return previous, True
    at = now_local()
    ledger = Ledger()
    ledger.balances[customer_id] = _balance(connection, customer_id)
    ledger.earned_per_day[(customer_id, at[:10])] = _earned_on(connection, customer_id, at[:10])
    _seed_pool(connection, ledger, customer_id)
    event, quote = operations.earn(
        ledger,
        scale,
        device_id=channel_device(key.channel),
        customer_id=customer_id,
        receipt_ref=f"{key.channel}:{order_id}",
        lines=lines,
        card_uid=card,
        at=at,
    )
    ledger.apply(event)
    made: list[Event] = [event]
    share = pools.contribute(ledger, event)
    if share is not None:
        made.append(share)
    ingest(connection, made, None)
    answer = {
        "order_id": order_id,
        "channel": key.channel,
        "earn_id": event.event_id,
        "amount_cents": quote.amount_cents,
        "points": quote.points,
        "uncapped_points": quote.uncapped_points,
        "capped_by": quote.capped_by,
        "pool_points": share.points if share else 0,
        "balance": _balance(connection, customer_id),
    }
    _keep(connection, key, order_id, "earn", fingerprint, customer_id, event.event_id, answer)
    return answer, False


def refund_order(connection: Connection, key: ChannelKey, body: Mapping[str, Any]) -> tuple[dict, bool]:
    """Take back the refunded share of an order's points, once per refund id; returns (answer, replayed)."""
    order_id = check_order_id(body.get("order_id"))
    refund_id = check_order_id(body.get("refund_id"), "refund_id")
    scale = earning_scale(connection)
    refund_cents = body.get("refund_cents")
    if refund_cents is not None:
        refund_cents = check_cents(refund_cents, "refund_cents", maximum=scale.max_receipt_cents)
    operation = f"refund:{refund_id}"
    fingerprint = _fingerprint(refund_cents)
    previous = _replay(connection, key.channel, order_id, operation, fingerprint)
    if previous is not None:
        return previous, True
    earned = connection.execute(
        select(channel_orders.c.event_id, channel_orders.c.customer_id).where(
            channel_orders.c.channel == key.channel,
            channel_orders.c.order_id == order_id,
            channel_orders.c.operation == "earn",
        )
    ).first()
    if earned is None:
        raise UnknownReceipt(f"no earn was recorded for order {order_id} on this channel")
    record = connection.execute(select(earns).where(earns.c.event_id == earned.event_id)).one()
    customer_id = record.customer_id
    ledger = Ledger()
    ledger.balances[customer_id] = _balance(connection, customer_id)
    ledger.earns[record.event_id] = EarnRecord(
        record.event_id,
        customer_id,
        record.receipt_ref,
        record.amount_cents,
        record.points,
        record.refunded_cents,
        record.reversed_points,
    )
    ledger.earns_by_receipt[record.receipt_ref] = record.event_id
    _seed_contribution(connection, ledger, customer_id, record.event_id)
    reversal = operations.reverse(
        ledger, device_id=channel_device(key.channel), receipt_ref=record.receipt_ref, refund_cents=refund_cents
    )
    ledger.apply(reversal)
    made: list[Event] = [reversal]
    back = pools.give_back(ledger, reversal)
    if back is not None:
        made.append(back)
    ingest(connection, made, None)
    answer = {
        "order_id": order_id,
        "refund_id": refund_id,
        "channel": key.channel,
        "refund_cents": reversal.refund_cents,
        "points_reversed": reversal.points,
        "pool_points_returned": back.points if back else 0,
        "balance": _balance(connection, customer_id),
    }
    _keep(connection, key, order_id, operation, fingerprint, customer_id, reversal.event_id, answer)
    return answer, False


def _seed_contribution(connection: Connection, ledger: Ledger, customer_id: str, earn_event_id: str) -> None:
    """What the earn gave a pool and what refunds gave back so far, and the pool's balance now."""
    rows = connection.execute(
        select(events.c.type, events.c.payload)
        .where(
            events.c.customer_id == customer_id,
            events.c.type.in_(("PoolContributed", "PoolContributionReversed")),
            events.c.payload.contains(earn_event_id),
        )
        .order_by(events.c.id)
    )
    for kind, payload in rows:
        record = json.loads(payload)
        if record.get("earn_event_id") != earn_event_id:
            continue
        if kind == "PoolContributed":
            ledger.pool_contributions[earn_event_id] = PoolContribution(
                record["pool_id"], customer_id, record["points"]
            )
        elif earn_event_id in ledger.pool_contributions:
            ledger.pool_contributions[earn_event_id].given_back += record["points"]
    contribution = ledger.pool_contributions.get(earn_event_id)
    if contribution is not None:
        ledger.pool_balances[contribution.pool_id] = (
            connection.execute(
                select(pool_balances.c.points).where(pool_balances.c.pool_id == contribution.pool_id)
            ).scalar()
            or 0
        )


def look_up(connection: Connection, body: Mapping[str, Any]) -> dict:
    """Whether a card number or e-mail names a customer, and their balance (no personal data)."""
    customer_id, card = find_customer(connection, body)
    return {"known": True, "card_number": card, "balance": _balance(connection, customer_id)}
