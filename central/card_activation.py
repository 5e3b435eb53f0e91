"""Online activation makes the card a customer's card: a new customer (first name and consent, as at the till),
or the customer already holding it when a till got there first.

The code check and its lockout stay in `card_batches.activate_online`; once it passes, the customer and the
card link are recorded as ordinary events from device `central` and ingested like a push, so every till pulls
the card (both faces, `card_faces`) and knows the shopper at the first tap instead of signing them up again.
Linking a new card to another existing customer is not offered here: knowing a card number proves nothing about
its owner, so that is done in the back office or at a till, with the shopper there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, select

from central import card_batches, card_faces
from central.devices import CENTRAL_DEVICE_ID
from central.errors import BadRequest
from central.ingest import ingest
from central.schema import batch_cards
from central.transactions import in_transaction
from loyalty.domain.customers import clean_first_name
from loyalty.domain.events import CardLinked, ConsentChanged, CustomerRegistered
from loyalty.errors import ConsentRequired, InvalidCustomerText

#: The consent text version shoppers accept on the activation page (the tills' default version).
CONSENT_VERSION = "v1"


@dataclass(frozen=True)
class Activation:
    """An activated card and its customer; `created` when the activation made the customer."""

    card_number: str
    customer_id: str
    first_name: str
    channel: str
    created: bool


def check_first_name(value: object) -> str:
    """The first name by the one rule the till and the kiosk apply (`clean_first_name`), refused as a 400."""
    try:
        return clean_first_name(value)
    except InvalidCustomerText as exc:
        raise BadRequest(str(exc)) from exc


def activate(engine: Engine, card_number: object, code: object, first_name: object, consent: object) -> Activation:
    """Check the code (counting wrong ones), then link the card to its customer, made now when it has none."""
    name = check_first_name(first_name)
    if consent is not True:
        raise ConsentRequired("the shopper must accept the programme's terms to activate the card")
    number = card_faces.normalise(card_number) if isinstance(card_number, str) else card_number
    origin = card_batches.activate_online(engine, number, code)
    return in_transaction(engine, lambda c: _link(c, origin, name))


def _link(connection, origin: card_batches.CardOrigin, name: str) -> Activation:
    # The batch card's row is the lock: two activations of one card at once make one customer.
    connection.execute(
        select(batch_cards.c.card_uid).where(batch_cards.c.card_uid == origin.card_uid).with_for_update()
    )
    owner = card_faces.customer_of(connection, origin.card_uid)
    if owner is not None:
        return Activation(origin.card_uid, owner, name, origin.channel, False)
    customer_id = str(uuid.uuid4())
    ingest(
        connection,
        [
            CustomerRegistered(device_id=CENTRAL_DEVICE_ID, customer_id=customer_id, first_name=name),
            ConsentChanged(
                device_id=CENTRAL_DEVICE_ID,
                customer_id=customer_id,
                granted=True,
                text_version=CONSENT_VERSION,
                channel="online",
            ),
            CardLinked(device_id=CENTRAL_DEVICE_ID, customer_id=customer_id, card_uid=origin.card_uid),
        ],
        None,
    )
    return Activation(origin.card_uid, customer_id, name, origin.channel, True)
