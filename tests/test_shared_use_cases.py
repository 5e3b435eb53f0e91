"""The till and the self-service kiosk apply one rule for each shared step: the same first names are kept or
refused, new customers get ids from the same generator, and the same sync state means online at both.

Each front-end is the real one: the till's `Till` and the kiosk's `KioskScreen`, each built by a service of
its role (as `kiosk serve` builds them), over its own store.
"""

from __future__ import annotations

import itertools

import pytest

from device.config import parse_config
from device.selfservice.wiring import build_screen
from device.sync.setup import token_file
from device.sync.worker import SyncStatus
from kiosk.service import KioskService
from loyalty.domain.events import CustomerRegistered, PointsRedeemed, VoucherIssued
from loyalty.domain.rewards import IssuedVoucher
from loyalty.domain.snapshot import PulledBatch, RewardState
from loyalty.errors import CardAlreadyLinked, FieldRequired, InvalidName, OfflineLimitReached
from tests.factories import seed_store

REWARDS = (
    RewardState("coffee", "in_house", "Café offert", 30),
    RewardState("holiday-20", "partner_voucher", "Chèque vacances 20 €", 25, partner="holiday", face_value_cents=2000),
)
KNOWN = "A0000004"  # Prénom4, 40 points
OTHER = "A0000003"  # Prénom3, 30 points
NEW_CARD = "CAFE0001"


class SyncStub:
    """The sync worker as the front-ends see it: only its status, which the test sets."""

    def __init__(self, state: str) -> None:
        self.state = state

    def status(self) -> SyncStatus:
        return SyncStatus(state=self.state)

    def stop(self) -> None:
        pass


def issued(partner: str, customer_id: str, redemption_id: str) -> IssuedVoucher:
    return IssuedVoucher(partner, "HOL-0001", 2000, redemption_id)


def no_one_holds(card_uid: str) -> None:
    """Central's answer to a look-up of a card no customer holds yet."""
    return None


class TillFront:
    """The cashier's till: a card tapped, the capture form saved, a reward picked."""

    def __init__(self, service: KioskService) -> None:
        self.service, self.till = service, service.till
        self.till.sessions.open(self.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
        self.till.reference.apply(PulledBatch(cursor=1, rewards=REWARDS))
        self.till.voucher_issuer = issued  # central's partner codes, answered here without a network
        self.till.cards.central = no_one_holds  # and its card look-ups

    def online(self) -> bool:
        return self.till.online()

    def register(self, card_uid: str, first_name: str) -> str:
        self.till.card_presented(card_uid)
        return self.till.register(first_name, consent=True, card_uid=card_uid)["customer"]["customer_id"]

    def redeem(self, card_uid: str, reward_id: str) -> None:
        self.till.card_presented(card_uid)
        self.till.redeem(reward_id)


class KioskFront:
    """The self-service kiosk: a card laid on the reader, the join form, a reward confirmed."""

    def __init__(self, service: KioskService) -> None:
        self.service = service
        self.screen = build_screen(service)
        self.screen.close()  # no bus to follow: the test presents the cards itself
        self.screen.rewards.put(REWARDS)
        self.screen.redeeming.issuer = issued
        self.screen.central = None  # no history from central: the kiosk's own pending operations
        self.screen.cards.central = no_one_holds

    def online(self) -> bool:
        return self.screen.online()

    def register(self, card_uid: str, first_name: str) -> str:
        self.screen.present(card_uid)
        return self.screen.register(card_uid, first_name=first_name, consent=True).customer_id

    def redeem(self, card_uid: str, reward_id: str) -> None:
        self.screen.present(card_uid)
        self.screen.redeem(card_uid, reward_id)


@pytest.fixture(params=["till", "kiosk"])
def front(request, tmp_path):
    role = request.param
    config = parse_config(
        {
            "device": {"id": f"shared-{role}", "role": role, "name": role},
            "paths": {"data_dir": str(tmp_path / role)},
            "hardware": {"mode": "emulated"},
            "central": {"url": "http://127.0.0.1:9"},  # configured and enrolled; never called here
        }
    )
    config.data_dir.mkdir(parents=True)
    token_file(config).write("shared-token")
    with KioskService.open(config, devices=False, sync=False) as service:
        seed_store(service.store, 5)
        service.sync = SyncStub("idle")
        yield TillFront(service) if role == "till" else KioskFront(service)


def test_a_first_name_is_kept_or_refused_by_the_same_rule(front):
    for bad, error in (
        ("R2D2", InvalidName),
        ("x" * 41, InvalidName),
        ("<script>", InvalidName),
        ("Zo\u200bé", InvalidName),
    ):
        with pytest.raises(error):
            front.register(NEW_CARD, bad)
    assert front.service.store.pending_count() == 0
    customer_id = front.register(NEW_CARD, "  marie  ève ")
    assert front.service.store.customer(customer_id).first_name == "Marie Ève"


def test_a_blank_first_name_waits_for_a_later_visit_at_the_till_and_is_asked_for_at_the_kiosk(front):
    """The till's queue cannot wait for a name (it is asked at the next visit); the kiosk's shopper types theirs."""
    if isinstance(front, KioskFront):
        for blank in ("", "   "):
            with pytest.raises(FieldRequired):
                front.register(NEW_CARD, blank)
        assert front.service.store.pending_count() == 0
    else:
        customer_id = front.register(NEW_CARD, "   ")
        assert front.service.store.customer(customer_id).first_name == ""
        assert front.register(NEW_CARD, "") == customer_id  # the same blank form sent again: a retry


def test_new_customers_get_their_ids_from_the_one_generator(front, monkeypatch):
    made = itertools.count(1)
    monkeypatch.setattr("device.usecases.registration.new_customer_id", lambda: f"customer-{next(made)}")
    assert front.register(NEW_CARD, "Léa") == "customer-1"
    registered = [e for e in front.service.store.pending() if isinstance(e, CustomerRegistered)]
    assert [e.customer_id for e in registered] == ["customer-1"]


def test_a_card_already_a_customers_is_refused_and_the_same_name_again_is_a_retry(front):
    first = front.register(NEW_CARD, "Léa")
    assert front.register(NEW_CARD, "Léa") == first  # an answer lost, the form sent again: nothing recorded
    with pytest.raises(CardAlreadyLinked):
        front.register(NEW_CARD, "Noé")
    assert front.service.store.pending_count() == 3


@pytest.mark.parametrize(
    ("state", "online"),
    [
        ("idle", True),
        ("syncing", True),
        ("stopped", False),
        ("offline", False),
        ("refused", False),
        ("not_enrolled", False),
    ],
)
def test_the_same_sync_state_is_online_or_offline_at_both(front, state, online):
    front.service.sync.state = state
    assert front.online() is online


def test_redeeming_records_the_same_events_at_both(front):
    front.redeem(KNOWN, "coffee")
    front.redeem(OTHER, "holiday-20")  # a partner voucher: its code from central, recorded with the redemption
    events = front.service.store.pending()
    assert [type(e) for e in events] == [PointsRedeemed, PointsRedeemed, VoucherIssued]
    assert [(e.customer_id, e.points) for e in events[:2]] == [("cust-00004", 30), ("cust-00003", 25)]
    assert events[2].code == "HOL-0001" and events[2].redemption_event_id == events[1].event_id
    assert (front.service.store.balance("cust-00004"), front.service.store.balance("cust-00003")) == (10, 5)


def test_when_sync_has_stopped_a_partner_voucher_is_refused_at_both(front):
    front.service.sync.state = "stopped"
    with pytest.raises(OfflineLimitReached):
        front.redeem(KNOWN, "holiday-20")
    assert front.service.store.pending_count() == 0
    front.service.sync.state = "idle"
    front.redeem(KNOWN, "holiday-20")
    assert [type(e) for e in front.service.store.pending()] == [PointsRedeemed, VoucherIssued]


def test_both_front_ends_use_the_shared_use_case_objects(front):
    owner = front.till if isinstance(front, TillFront) else front.screen
    assert type(owner.registration).__module__ == "device.usecases.registration"
    assert type(owner.redeeming).__module__ == "device.usecases.redemption"
