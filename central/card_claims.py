"""A device never moves a card that central holds for another customer: the link stays, the claim is reviewed.

A till whose cache was lost may take a regular's card for a new customer's. Its `CardLinked` is stored (events
are immutable and the device is told central holds it) but not folded: the card keeps its owner, the event is
flagged for review, and a row in `card_claims` says which device claimed which card for whom, for the back
office. Central's own links (card replacement at head office) decide and are not held.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from central.clock import utc_now
from central.devices import CENTRAL_DEVICE_ID
from central.errors import NotFound
from central.schema import card_claims, cards, events
from central.sql import insert_for
from loyalty.domain.events import CardLinked, Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardClaim:
    """One held link: the event, the device, the card, the customer it claimed it for and the owner kept."""

    event_id: str
    device_id: str
    card_uid: str
    claimed_for: str
    owner: str
    received_at: str
    resolved_at: str | None = None


def hold_conflicting_links(connection: Connection, fresh: Sequence[Event]) -> tuple[list[Event], list[CardClaim]]:
    """The events to fold (without the held links) and the claims recorded for the links held back."""
    links = [e for e in fresh if isinstance(e, CardLinked) and e.device_id != CENTRAL_DEVICE_ID]
    if not links:
        return list(fresh), []
    owners = dict(
        connection.execute(
            select(cards.c.card_uid, cards.c.customer_id).where(cards.c.card_uid.in_({e.card_uid for e in links}))
        ).all()
    )
    held: list[CardClaim] = []
    received = utc_now()
    for event in fresh:  # in happened order: a link earlier in the batch owns the card for the later ones
        if not isinstance(event, CardLinked):
            continue
        owner = owners.get(event.card_uid)
        if event.device_id != CENTRAL_DEVICE_ID and owner is not None and owner != event.customer_id:
            held.append(CardClaim(event.event_id, event.device_id, event.card_uid, event.customer_id, owner, received))
        else:
            owners[event.card_uid] = event.customer_id
    if not held:
        return list(fresh), []
    connection.execute(
        insert_for(connection, card_claims).on_conflict_do_nothing(index_elements=["event_id"]),
        [claim.__dict__ for claim in held],
    )
    connection.execute(update(events).where(events.c.event_id.in_([c.event_id for c in held])).values(review=True))
    log.warning("%d card link(s) from devices kept their existing owner and wait for review", len(held))
    ids = {c.event_id for c in held}
    return [e for e in fresh if e.event_id not in ids], held


def open_claims(connection: Connection, devices: frozenset[str] | None = None) -> list[CardClaim]:
    """Claims not yet resolved, oldest first; only those of `devices` when given."""
    query = select(card_claims).where(card_claims.c.resolved_at.is_(None)).order_by(card_claims.c.received_at)
    if devices is not None:
        query = query.where(card_claims.c.device_id.in_(devices))
    return [CardClaim(**row._mapping) for row in connection.execute(query)]


def resolve(connection: Connection, event_id: str, *, move: bool) -> CardClaim:
    """Close an open claim: keep the card with its owner, or (`move`) link it to the claimed customer, central
    deciding it now with its own `CardLinked`; NotFound if no open claim has this id."""
    from central.ingest import ingest  # ingest holds links back through this module

    row = connection.execute(
        select(card_claims).where(card_claims.c.event_id == event_id, card_claims.c.resolved_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"no open card claim {event_id}")
    claim = CardClaim(**row._mapping)
    if move:
        ingest(
            connection,
            [CardLinked(device_id=CENTRAL_DEVICE_ID, customer_id=claim.claimed_for, card_uid=claim.card_uid)],
            None,
        )
    resolved = utc_now()
    connection.execute(update(card_claims).where(card_claims.c.event_id == event_id).values(resolved_at=resolved))
    return CardClaim(**{**claim.__dict__, "resolved_at": resolved})
