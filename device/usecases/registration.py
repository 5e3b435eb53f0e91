"""Joining the programme with a card, at the till or the kiosk: the same checks, ids and events at both.

A first name by `clean_first_name` (at the till it may come later: a queue waits, and the till asks for it
at the customer's next visit), consent required, the card not already a customer's (the same card with
the same name again is a retry after a lost answer and answers the first customer), and no new customer
while the device's customer list is damaged (the card may be a customer's it cannot see).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from loyalty.domain.customers import clean_first_name
from loyalty.domain.events import CardLinked, ConsentChanged, CustomerRegistered, now_local
from loyalty.errors import (
    CardAlreadyLinked,
    CardNotKnowable,
    ConsentMissing,
    FieldRequired,
    InvalidCustomerText,
)

logger = logging.getLogger(__name__)

#: Profile fields a till may take besides the first name, in the order later visits suggest them.
PROFILE_FIELDS = ("last_name", "phone", "email")
MAX_FIELD = 80


def new_customer_id() -> str:
    """A new customer's id, made on the device (a random UUID, so devices never collide)."""
    return str(uuid.uuid4())


def clean_profile_text(value: object, what: str, required: bool = False) -> str:
    """A last name, phone or e-mail as kept: trimmed, printable, at most MAX_FIELD characters."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise FieldRequired(f"the {what.replace('_', ' ')} is required")
    if len(text) > MAX_FIELD or not text.isprintable():
        raise InvalidCustomerText(f"the {what.replace('_', ' ')} must be at most {MAX_FIELD} printable characters")
    return text


@dataclass(frozen=True)
class Registered:
    """The customer a registration made, or found when the same card and name came again (`again`)."""

    customer_id: str
    again: bool = False


class Registration:
    """Makes a customer of an unknown card on one device; `channel` says where consent was given.

    `first_name_later` lets the customer join with their consent alone, the first name asked at a later visit:
    the till's queue cannot wait for a name to be typed, the kiosk's shopper types their own.
    """

    def __init__(self, device_id: str, consent_version: str, channel: str, *, first_name_later: bool = False) -> None:
        self.device_id = device_id
        self.consent_version = consent_version
        self.channel = channel
        self.first_name_later = first_name_later

    def register(
        self,
        store,
        card_uid: str,
        first_name: object,
        consent: bool,
        *,
        cashier_id: str | None = None,
        extra: Mapping[str, object] | None = None,
        cache_matters: bool = True,
    ) -> Registered:
        """Record CustomerRegistered, ConsentChanged and CardLinked for the card, after every check passed.

        `cache_matters` is False only in training, whose store is never the device's customer list.
        """
        if cache_matters and store.cache_lost:
            raise CardNotKnowable(
                "this device's customer list is damaged and not yet rebuilt from central: the "
                "card may already be a customer's, so no new customer can be made now"
            )
        name = clean_first_name(first_name, required=not self.first_name_later)
        if consent is not True:
            raise ConsentMissing("the customer must agree to the consent text to join")
        fields = {k: clean_profile_text(v, k) for k, v in (extra or {}).items() if k in PROFILE_FIELDS and v}
        owner = store.customer_by_card(card_uid)
        if owner is not None and not owner.erased and owner.first_name == name:
            logger.info("registration of a card sent again: customer %s answered, nothing recorded", owner.customer_id)
            return Registered(owner.customer_id, again=True)
        if owner is not None:
            raise CardAlreadyLinked("this card already belongs to a customer")
        customer_id = new_customer_id()
        at = now_local()
        common = {"device_id": self.device_id, "cashier_id": cashier_id, "at": at, "customer_id": customer_id}
        store.record(CustomerRegistered(**common, first_name=name, **fields))
        store.record(ConsentChanged(**common, granted=True, text_version=self.consent_version, channel=self.channel))
        store.record(CardLinked(**common, card_uid=card_uid))
        logger.info("customer %s registered (%s)", customer_id, self.channel)
        return Registered(customer_id)
