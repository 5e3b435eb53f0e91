"""Whose card is this, at the till and the kiosk: held here, else asked at central, else the card stands in.

A device holds only its store's customers. A card it does not hold is looked up at central when online (any
card, any store), then held like a pulled customer. Offline, such a card must never make a new customer (its
owner may shop elsewhere): an earn is recorded against the card itself (`unknown_card_customer`) and central
gives it to the owner, or to one new customer if the card is truly new. A card the chain never issued (not in
the issued-cards filter central sends) is refused offline. A device that works alone (no central) holds every
customer there is: a card it does not hold is new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from device.store.views import CustomerView
from loyalty.domain.card_filter import CardFilter
from loyalty.domain.customers import unknown_card_customer
from loyalty.domain.snapshot import LookedUp
from loyalty.errors import CardNeedsCentral, ForeignCard, SyncError

logger = logging.getLogger(__name__)


class CentralCustomers(Protocol):
    """Central's look-ups a device uses (`device.sync.client.CentralClient` has them)."""

    def card_customer(self, card_uid: str) -> LookedUp | None: ...

    def customer_by_id(self, customer_id: str) -> LookedUp | None: ...

    def search_customers(self, text: str) -> list[dict]: ...


@dataclass(frozen=True)
class CardFound:
    """A card's customer (`view`), or no customer: `new` (no one holds the card) or `stand_in` (offline: the
    card's owner is not known here; `customer_id` is the stand-in an earn is recorded for)."""

    view: CustomerView | None = None
    new: bool = False
    stand_in: bool = False
    card_uid: str = ""

    @property
    def customer_id(self) -> str | None:
        if self.view is not None:
            return self.view.customer_id
        return unknown_card_customer(self.card_uid) if self.stand_in else None

    def may_join(self) -> None:
        """Refuse making a new customer of this card unless central (or a device alone) said it is new."""
        if self.stand_in:
            raise CardNeedsCentral(
                "this card may already be a customer's at another store: it can join once "
                "central answers again; its points are kept on the card meanwhile"
            )


class CardLookup:
    """Finds a card's customer on one device: `central` answers a look-up (None: this device works alone),
    `online` says whether to ask it, `issued_cards` gives central's filter of issued cards (None: not sent)."""

    def __init__(
        self,
        store,
        *,
        central: Callable[[str], LookedUp | None] | None,
        online: Callable[[], bool],
        issued_cards: Callable[[], CardFilter | None] = lambda: None,
    ) -> None:
        self.store = store
        self.central = central
        self.online = online
        self.issued_cards = issued_cards

    def find(self, card_uid: str) -> CardFound:
        """The card's customer as described above; CardBlocked from central, ForeignCard offline."""
        view = self.store.customer_by_card(card_uid)
        if view is not None and not view.erased:
            return CardFound(view, card_uid=card_uid)
        if self.central is None:
            return CardFound(new=True, card_uid=card_uid)
        if self.online():
            try:
                found = self.central(card_uid)
            except SyncError as exc:  # CardBlocked is a DomainError: it goes to the caller
                logger.info("card look-up at central failed, taken as offline: %s", exc)
            else:
                if found is None:
                    return CardFound(new=True, card_uid=card_uid)
                self.store.hold(found)
                held = self.store.customer_by_card(card_uid)
                if held is not None:
                    return CardFound(held, card_uid=card_uid)
        if not self.issued(card_uid):
            raise ForeignCard("this card is not one of ours: it cannot collect points here")
        return CardFound(stand_in=True, card_uid=card_uid)

    def issued(self, card_uid: str) -> bool:
        """Whether the chain issued this card, by central's filter (True while central has sent none)."""
        card_filter = self.issued_cards()
        return card_filter is None or card_uid in card_filter
