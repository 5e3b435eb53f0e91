"""A card this till does not hold, with central configured: offline it earns against the card and nothing
else (no new customer, no spending), a card the chain never issued is refused; online central's answer is
held and shown like a local customer."""

from __future__ import annotations

import pytest

from device.reference_cache import ISSUED_CARDS
from loyalty.domain.card_filter import CardFilter
from loyalty.domain.events import PointsEarned
from loyalty.domain.snapshot import CardState, CentralSetting, CustomerState, LookedUp, PulledBatch
from loyalty.errors import CardNeedsCentral, ForeignCard

CARD = "B0000001"


class FakeCentral:
    """Central's card look-up: one customer of another store holds CARD."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def card_customer(self, card_uid: str) -> LookedUp | None:
        self.asked.append(card_uid)
        if card_uid != CARD:
            return None
        return LookedUp(CustomerState("away-1", 42, "Anouk", last_initial="V"), cards=(CardState(CARD, "away-1"),))


@pytest.fixture
def central(till):
    fake = FakeCentral()
    till.cards.central = fake.card_customer
    return fake


def test_online_a_card_of_another_store_is_looked_up_held_and_credited(till, central):
    assert till.card_presented(CARD)["customer"]["points"] == 42
    till.start_sale({"general": 500})
    assert till.card_presented(CARD)["customer"]["points"] == 47
    assert central.asked == [CARD]  # the second tap found it held


def test_offline_an_unknown_card_earns_against_itself_and_nothing_else(till, central, sync_state):
    sync_state["state"] = "offline"
    shown = till.card_presented(CARD)["customer"]
    assert shown["balance_later"] is True and shown["card_suffix"] == "0001"
    earned = till.credit_shown_customer({"general": 700}, shown["customer_id"])  # keyed, then tapped
    assert earned["points"] == 7 and earned["customer"]["points"] == 7
    [event] = till.store.pending()
    assert isinstance(event, PointsEarned) and (event.customer_id, event.card_uid) == (f"card:{CARD}", CARD)
    with pytest.raises(CardNeedsCentral):
        till.redeem("coffee", customer_id=shown["customer_id"])
    with pytest.raises(CardNeedsCentral):
        till.register("Léa", True, card_uid=CARD)
    assert central.asked == [] and till.store.pending_count() == 1


def test_offline_a_card_the_chain_never_issued_is_refused(till, central, sync_state):
    till.reference.apply(
        PulledBatch(cursor=1, settings=(CentralSetting(ISSUED_CARDS, CardFilter.build([CARD, "B0000002"]).to_json()),))
    )
    sync_state["state"] = "offline"
    with pytest.raises(ForeignCard):
        till.card_presented("FFFF0000")
    assert till.card_presented("B0000002")["customer"]["balance_later"] is True
    assert till.store.pending_count() == 0
