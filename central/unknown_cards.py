"""Earns recorded offline against a card the device did not know: central gives them to the card's owner.

A device that cannot look a card up (offline, card not in its store's scope) records the earn for the stand-in
customer id `card:<uid>` (`loyalty.domain.customers.unknown_card_customer`), never as a new customer. At push,
central replaces the stand-in with the owner of either face of the card (`central.card_faces`). A card that
belongs to no one yet gets a new customer, whose id and events are derived from the card alone, so two
devices (or a retried push, or two central instances at once) make the same customer once, never a duplicate.
Only earns and their refunds may use a stand-in: spending needs a known balance.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, update

from central import card_faces
from central.devices import CENTRAL_DEVICE_ID
from central.errors import EventRefused
from central.schema import events
from loyalty.domain.customers import card_of_stand_in
from loyalty.domain.events import CardLinked, CustomerRegistered, EarnReversed, Event, PointsEarned

#: Ids derived from a card: the same card always makes the same customer and the same two events.
_NAMESPACE = uuid.UUID("5b0f6f8e-2f7a-4d36-9a51-0c3c1f0e7a21")
_MAY_STAND_IN = (PointsEarned, EarnReversed)


def new_customer_id(card_uid: str) -> str:
    """The id of the customer a card makes when an offline earn is its first use."""
    return str(uuid.uuid5(_NAMESPACE, "customer:" + card_faces.normalise(card_uid)))


@dataclasses.dataclass(frozen=True)
class Attributed:
    """The batch as central folds it, and the earns to flag once stored (made on a blocked card)."""

    events: list[Event]
    review: tuple[str, ...] = ()


def attribute(connection: Connection, batch: Sequence[Event]) -> Attributed:
    """The batch with every stand-in customer id replaced by the card's owner (made first when new).

    Runs in the push's transaction, before `ingest`; the events keep their ids, so the device's
    acknowledgement is unchanged. An earn on a blocked card still goes to its owner, flagged for review.
    """
    stand_ins = {}
    for index, event in enumerate(batch):
        uid = card_of_stand_in(getattr(event, "customer_id", None))
        if uid is None:
            continue
        if not isinstance(event, _MAY_STAND_IN):
            raise EventRefused(
                f"event {index} ({event.type} {event.event_id}): only earns and refunds may be "
                "recorded against an unknown card (customer_id card:<uid>)",
                event.event_id,
            )
        if isinstance(event, PointsEarned) and event.card_uid not in (None, uid):
            raise EventRefused(
                f"event {index} ({event.type} {event.event_id}): card_uid {event.card_uid!r} is not "
                f"the card its customer_id names",
                event.event_id,
            )
        stand_ins[event.event_id] = uid
    if not stand_ins:
        return Attributed(list(batch))
    owners: dict[str, str] = {}
    blocked: set[str] = set()
    made: list[Event] = []
    for uid in sorted(set(stand_ins.values())):
        owner, is_blocked = _owner(connection, uid)
        if owner is None:
            owner = new_customer_id(uid)
            key = card_faces.normalise(uid)
            made += [
                CustomerRegistered(
                    event_id=str(uuid.uuid5(_NAMESPACE, "registered:" + key)),
                    device_id=CENTRAL_DEVICE_ID,
                    customer_id=owner,
                    first_name="",
                ),
                CardLinked(
                    event_id=str(uuid.uuid5(_NAMESPACE, "linked:" + key)),
                    device_id=CENTRAL_DEVICE_ID,
                    customer_id=owner,
                    card_uid=uid,
                ),
            ]
        elif is_blocked:
            blocked.add(uid)
        owners[uid] = owner
    if made:
        from central.ingest import ingest  # ingest folds what this module hands it: imported when needed

        ingest(connection, made, None)
    return Attributed(
        [
            dataclasses.replace(e, customer_id=owners[stand_ins[e.event_id]]) if e.event_id in stand_ins else e
            for e in batch
        ],
        tuple(sorted(eid for eid, uid in stand_ins.items() if uid in blocked)),
    )


def flag(connection: Connection, attributed: Attributed) -> None:
    """Flag for review, once stored, the earns given to the owner of a blocked card."""
    if attributed.review:
        connection.execute(update(events).where(events.c.event_id.in_(attributed.review)).values(review=True))


def _owner(connection: Connection, uid: str) -> tuple[str | None, bool]:
    """The card's owner (by either face) and whether the card is blocked."""
    rows = card_faces.linked_rows(connection, uid)
    if not rows:
        return None, False
    return rows[0].customer_id, any(row.blocked for row in rows)
