"""Who may say what: each event kind's authority, and the earning caps a device's earn must respect.

A device token proves which device speaks, not that what it says is true. So every kind of event has
one authority in `AUTHORITY`: a device may push the facts it witnesses at its till (a sale, a refund, a
redemption, a new customer...), while what central alone decides (an erasure, an expiry, a pool's
membership) is only ever made by central itself. Field bounds (cents, points, sequence numbers) are
checked by `loyalty.domain.events.from_record`, the same for every backend; here come the rules'
caps, which only central knows for the whole chain.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from central.errors import EventRefused
from loyalty.domain.events import EVENT_TYPES, Event, PointsEarned
from loyalty.earning_rules import earning_from_json
from loyalty.errors import ConfigError

DEVICE = "device"
CENTRAL = "central"

#: The one table: every event kind and who may create it.
AUTHORITY: dict[str, str] = {
    "CustomerRegistered": DEVICE,
    "ProfileUpdated": DEVICE,
    "ConsentChanged": DEVICE,
    "CardLinked": DEVICE,
    "CardBlocked": DEVICE,
    "PointsEarned": DEVICE,
    "EarnReversed": DEVICE,
    "PointsRedeemed": DEVICE,
    "RedemptionCancelled": DEVICE,
    "VoucherIssued": DEVICE,
    "PoolContributed": DEVICE,
    "PoolContributionReversed": DEVICE,
    "PoolRedeemed": DEVICE,
    "CustomerErased": CENTRAL,  # the erase job at central, after checks a till cannot make
    "PointsExpired": CENTRAL,  # the expiry run at central, on the whole chain's lots
    "PoolJoined": CENTRAL,  # pool administration in the back office
    "PoolLeft": CENTRAL,
    "PointsAdjusted": CENTRAL,  # customer service's manual adjustment, with its reason and role limit
    "PointsMoved": CENTRAL,  # customer service's merge of two duplicate customers
}

assert set(AUTHORITY) == set(EVENT_TYPES), "every event kind needs an authority"


def earn_cap(connection: Connection) -> int | None:
    """The most points one receipt may earn under the chain's rules: the smaller of its receipt and daily
    caps (None when central holds no rules or they set no cap)."""
    from central.backoffice.rules import published_rules  # the back office owns the rules' storage

    rules = published_rules(connection)
    if rules is None:
        return None
    try:
        earning = earning_from_json(rules)
    except ConfigError:
        return None
    caps = [cap for cap in (earning.receipt_cap, earning.daily_cap) if cap is not None]
    return min(caps) if caps else None


def check_device_events(connection: Connection, batch: Sequence[Event]) -> None:
    """Refuse the first event a device may not push (kind or amount), naming it and the rule."""
    cap: int | None = None
    cap_read = False
    for index, event in enumerate(batch):
        if AUTHORITY[event.type] != DEVICE:
            raise EventRefused(
                f"event {index} ({event.type} {event.event_id}): only central makes {event.type} "
                "events; a device may not push them",
                event.event_id,
            )
        if isinstance(event, PointsEarned):
            if not cap_read:
                cap, cap_read = earn_cap(connection), True
            if cap is not None and event.points > cap:
                raise EventRefused(
                    f"event {index} ({event.type} {event.event_id}): {event.points} points is above "
                    f"the earning rules' cap of {cap} points per receipt",
                    event.event_id,
                )
