"""The till's use cases on a real store: earn on a tap, capture, redeem, refund, undo, training, figures."""

from __future__ import annotations

import pytest

from loyalty.domain.events import (
    CardLinked,
    ConsentChanged,
    CustomerRegistered,
    PointsEarned,
    ProfileUpdated,
    RedemptionCancelled,
)
from loyalty.errors import (
    CardAlreadyLinked,
    CardBlocked,
    ConfirmationRequired,
    ConsentMissing,
    FieldRequired,
    InsufficientPoints,
    InvalidAmount,
    InvalidName,
    InvalidProfileField,
    NoCustomer,
    NotForThisRole,
    NothingToUndo,
    OfflineLimitReached,
    SignInRefused,
)

KNOWN = "A0000004"  # cust-00004, 40 points
UNKNOWN = "DEADBEEF"


def test_a_tap_credits_the_keyed_sale_at_once(till):
    with till.bus.subscribe() as sub:
        till.start_sale({"general": 2350})
        result = till.card_presented(KNOWN)
        assert result["customer"]["first_name"] == "Prénom4"
        assert result["points"] == 23
        assert result["customer"]["points"] == 63
        kinds = [sub.get(1).data["event"] for _ in range(2)]
    assert kinds == ["sale", "earned"]
    earned = [e for e in till.store.pending() if isinstance(e, PointsEarned)]
    assert [(e.customer_id, e.points, e.cashier_id) for e in earned] == [("cust-00004", 23, "alice")]
    assert till.snapshot()["sale"] is None


def test_a_tap_without_a_sale_only_shows_the_customer(till):
    result = till.card_presented(KNOWN)
    assert result["customer"]["points"] == 40
    assert [r["reward_id"] for r in result["customer"]["rewards"]] == []
    assert till.store.pending() == []


@pytest.mark.parametrize("lines", [{}, {"general": 0}, {"general": -5}, {"general": "12"}, {"": 100}])
def test_bad_amounts_are_refused_and_nothing_is_held(till, lines):
    with pytest.raises(InvalidAmount):
        till.start_sale(lines)
    assert till.snapshot()["sale"] is None


def test_unknown_card_then_capture_with_consent_credits_the_sale(till):
    till.start_sale({"general": 1000})
    result = till.card_presented(UNKNOWN)
    assert result["unknown_card"] == UNKNOWN and result["capture"] == "suggested"
    with pytest.raises(ConsentMissing):  # each refusal has its own code, which the screen explains
        till.register("Zoé", consent=False)
    with pytest.raises(InvalidName):
        till.register("R2D2", consent=True)
    result = till.register("Zoé", consent=True)
    assert result["points"] == 10 and result["customer"]["first_name"] == "Zoé"
    types = [type(e) for e in till.store.pending()]
    assert types == [CustomerRegistered, ConsentChanged, CardLinked, PointsEarned]
    consent = [e for e in till.store.pending() if isinstance(e, ConsentChanged)][0]
    assert consent.text_version == till.config.till.consent_version
    assert till.store.customer_by_card(UNKNOWN).first_name == "Zoé"
    figures = {f.cashier_id: f for f in till.adoption.figures()}["alice"]
    assert (figures.unknown_cards, figures.captured, figures.capture_rate) == (1, 1, 1.0)


def test_registering_a_card_that_has_an_owner_is_refused(till):
    with pytest.raises(CardAlreadyLinked):
        till.register("Zoé", consent=True, card_uid=KNOWN)


def test_required_capture_cannot_be_skipped_but_suggested_can(till):
    till.card_presented(UNKNOWN)
    assert till.skip_capture()["sale"] is None
    from dataclasses import replace

    till.sessions.update_cashier(replace(till.cashiers.get("alice"), capture_mode="required"))
    till.card_presented(UNKNOWN)
    with pytest.raises(ConfirmationRequired):
        till.skip_capture()


def test_one_profile_field_is_suggested_per_visit(till, clock):
    till.start_sale({"general": 100})
    till.card_presented(UNKNOWN)
    cid = till.register("Zoé", consent=True)["customer"]["customer_id"]
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] is None  # not on the visit that captured them
    clock.now += 2 * 3600  # a later visit
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] == "last_name"
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] is None  # never twice in one visit
    till.complete_profile(cid, "last_name", "Petit")
    clock.now += 2 * 3600
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] == "phone"


def test_consent_alone_captures_and_the_first_name_is_asked_at_the_next_visit(till, clock):
    """Capture costs the queue one touch: the customer's yes. The name is the next visit's one question."""
    till.start_sale({"general": 1000})
    till.card_presented(UNKNOWN)
    result = till.register("", consent=True)
    assert result["points"] == 10
    shown = result["customer"]
    assert shown["first_name"] == "" and shown["card_suffix"] == UNKNOWN[-4:]  # named by its card meanwhile
    cid = shown["customer_id"]
    view = till.store.customer(cid)
    assert view.first_name == "" and view.consent_granted is True
    figures = {f.cashier_id: f for f in till.adoption.figures()}["alice"]
    assert figures.captured == 1
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] is None  # not on the visit that captured them
    clock.now += 2 * 3600
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] == "first_name"
    with pytest.raises(FieldRequired):
        till.complete_profile(cid, "first_name", "  ")
    with pytest.raises(InvalidName):  # the one first-name rule, here too
        till.complete_profile(cid, "first_name", "R2D2")
    assert till.complete_profile(cid, "first_name", "ZOÉ")["customer"]["first_name"] == "Zoé"
    updates = [e for e in till.store.pending() if isinstance(e, ProfileUpdated)]
    assert [(e.customer_id, e.first_name) for e in updates] == [(cid, "Zoé")]
    clock.now += 2 * 3600
    assert till.card_presented(UNKNOWN)["customer"]["suggest"] == "last_name"


def test_a_basket_pushed_while_the_capture_form_is_open_is_credited_to_the_new_customer(till):
    """The card was tapped first, the POS pushed the basket meanwhile: the yes credits it, the card is not lost."""
    assert till.card_presented(UNKNOWN)["unknown_card"] == UNKNOWN
    till.start_sale({"general": 2500}, receipt_ref="POS-7", source="basket")
    result = till.register("Zoé", consent=True)
    assert result["points"] == 25 and result["customer"]["first_name"] == "Zoé"
    assert till.store.earn_for_receipt("POS-7").customer_id == result["customer"]["customer_id"]


def test_only_the_profile_fields_and_adoption_figures_for_managers(till):
    with pytest.raises(InvalidProfileField):
        till.complete_profile("cust-00001", "birthday", "01/01")
    with pytest.raises(NotForThisRole):
        till.adoption_figures(till.cashiers.get("alice"))
    assert till.adoption_figures(till.cashiers.get("marc")) == till.adoption.figures()


def test_duplicate_check_finds_by_name_prefix_and_masks(till):
    found = till.duplicates("prénom3")
    assert [f["customer_id"] for f in found] == ["cust-00003"]
    assert found[0]["last_name"] == "E." and found[0]["email"] == ""  # the till holds no e-mail
    assert till.duplicates("p") == []


def test_redeem_needs_a_customer_enough_points_and_a_pin_above_threshold(till):
    with pytest.raises(NoCustomer):
        till.redeem("coffee")
    till.card_presented(KNOWN)
    with pytest.raises(InsufficientPoints):
        till.redeem("tote-bag")
    till.start_sale({"general": 50000})
    till.card_presented(KNOWN)  # 40 + 500 points
    assert till.redeem("coffee")["customer"]["points"] == 490
    with pytest.raises(ConfirmationRequired):
        till.redeem("voucher-5")  # 300 > 200: needs a PIN
    with pytest.raises(SignInRefused):
        till.redeem("voucher-5", pin="9999")
    assert till.redeem("voucher-5", pin="5678")["customer"]["points"] == 190  # a manager's PIN


def test_partner_voucher_and_offline_limits_when_central_is_unreachable(till, sync_state):
    till.start_sale({"general": 200000})
    till.card_presented(KNOWN)
    sync_state["state"] = "offline"
    with pytest.raises(OfflineLimitReached):
        till.redeem("holiday-20", pin="1234")
    till.redeem("voucher-5", pin="1234")
    with pytest.raises(OfflineLimitReached):  # 300 + 300 > 500 per card offline
        till.redeem("voucher-5", pin="1234")


def test_refund_by_receipt_reference(till):
    sale = till.start_sale({"general": 4000})
    till.card_presented(KNOWN)
    result = till.refund(sale.receipt_ref, 1000)
    assert result["points"] == 10 and result["customer"]["points"] == 70
    assert till.refund(sale.receipt_ref)["customer"]["points"] == 40


def test_undo_within_the_window_then_only_with_a_manager(till, clock):
    till.start_sale({"general": 1500})
    till.card_presented(KNOWN)
    assert till.undo()["customer"]["points"] == 40
    with pytest.raises(NothingToUndo):
        till.undo()
    till.start_sale({"general": 10000})
    till.card_presented(KNOWN)
    till.redeem("coffee")
    clock.now += till.config.till.undo_window_s + 1
    with pytest.raises(NothingToUndo):
        till.undo()
    with pytest.raises(SignInRefused):
        till.undo(manager_pin="1234")  # a cashier's PIN is not a manager's
    assert till.undo(manager_pin="5678")["customer"]["points"] == 140
    assert isinstance(till.store.pending()[-1], RedemptionCancelled)


def test_training_uses_a_separate_store_and_scores_drills(till, clock):
    live_pending = len(till.live_store.pending())
    till.start_drill("known_card")
    assert till.training
    till.start_sale({"general": 100})
    with pytest.raises(InvalidAmount):
        till.start_sale({"general": -1})  # not counted: a keying error before the drill's tap
    till.card_presented(UNKNOWN)
    till.skip_capture()
    till.card_presented("A0000001")
    clock.now += 0  # fixed clock: zero seconds
    assert len(till.live_store.pending()) == live_pending
    assert len(till.store.pending()) == 1
    checklist = {row["drill"]: row["best"] for row in till.training_book.checklist("alice")}
    assert checklist["known_card"]["seconds"] == 0.0 and checklist["known_card"]["score"] == 100
    assert checklist["refund"] is None
    till.set_training(False)
    assert till.store is till.live_store
    assert till.adoption.figures() == []  # training never counts


def test_each_drill_starts_on_an_empty_training_store(till):
    """A trainee runs the new-customer drill again with the same practice card: it is a new card again."""
    for _ in range(2):
        till.start_drill("new_customer")
        till.start_sale({"general": 1200})
        assert till.card_presented(UNKNOWN)["unknown_card"] == UNKNOWN
        assert till.register("Léa", consent=True)["customer"]["first_name"] == "Léa"
    assert till.live_store.customer_by_card(UNKNOWN) is None  # training never reaches the real store


def test_blocked_and_erased_cards(till):
    from loyalty.domain.events import CardBlocked as Blocked

    till.live_store.record(Blocked(device_id=till.config.device.id, card_uid=KNOWN, reason="lost"))
    with pytest.raises(CardBlocked):
        till.card_presented(KNOWN)


def test_cashier_book_persists_hashes_only(till, config):
    import json

    from device.till.cashier_book import CashierBook

    rows = json.loads((config.data_dir / "cashiers.json").read_text())["cashiers"]
    assert {row["cashier_id"]: row["pin_hash"].startswith("scrypt$") for row in rows} == {"alice": True, "marc": True}
    again = CashierBook(config.data_dir / "cashiers.json")
    assert again.check("alice", "1234").name == "Alice"
    with pytest.raises(SignInRefused):
        again.check("alice", "0000")


def test_partner_voucher_online_gets_a_code_from_central_and_cannot_be_undone(till):
    from loyalty.domain.events import PointsRedeemed, VoucherIssued
    from loyalty.domain.rewards import IssuedVoucher

    asked = []

    def issuer(partner, customer_id, redemption_id):
        asked.append((partner, customer_id, redemption_id))
        return IssuedVoucher(partner, "HOL-0001", 2000, redemption_id)

    till.start_sale({"general": 200000})
    till.card_presented(KNOWN)
    with pytest.raises(OfflineLimitReached):  # no central configured for this till
        till.redeem("holiday-20", pin="1234")
    till.voucher_issuer = issuer
    result = till.redeem("holiday-20", pin="1234")
    assert result["voucher_code"] == "HOL-0001"
    redeemed, issued = till.store.pending()[-2:]
    assert isinstance(redeemed, PointsRedeemed) and isinstance(issued, VoucherIssued)
    assert asked == [("holidays", "cust-00004", redeemed.event_id)]
    assert (issued.redemption_event_id, issued.code) == (redeemed.event_id, "HOL-0001")
    with pytest.raises(NothingToUndo):
        till.undo()


def test_a_failing_central_records_no_redemption(till):
    from loyalty.errors import SyncUnavailable

    def issuer(*args):
        raise SyncUnavailable("central timed out")

    till.voucher_issuer = issuer
    till.start_sale({"general": 200000})
    till.card_presented(KNOWN)
    before = len(till.store.pending())
    with pytest.raises(SyncUnavailable):
        till.redeem("holiday-20", pin="1234")
    assert len(till.store.pending()) == before


def test_required_capture_can_be_let_go_by_a_manager_only(till):
    from dataclasses import replace

    till.sessions.update_cashier(replace(till.cashiers.get("alice"), capture_mode="required"))
    till.card_presented(UNKNOWN)
    with pytest.raises(SignInRefused):
        till.skip_capture(manager_pin="1234")
    assert till.skip_capture(manager_pin="5678") == {"sale": None}


class FakeDevices:
    """Records what the till asks of the devices (no emulators: the drill's paper-out is triggered by hand)."""

    emulators = None

    def __init__(self):
        self.printed, self.signals, self.reprinted = [], [], []

    def print(self, receipt):
        self.printed.append(receipt)
        return receipt.receipt_id

    def signal(self, pattern):
        self.signals.append(pattern)

    def jobs(self):
        return []

    def reprint(self, job_id):
        self.reprinted.append(job_id)


def test_receipts_and_signals_follow_each_operation_and_the_paper_out_drill(till):
    devices = FakeDevices()
    till.devices = devices
    till.start_sale({"general": 1234})
    till.card_presented(KNOWN)
    till.card_presented(UNKNOWN)
    till._effects.submit(lambda: None).result()  # wait for the follow-ups
    receipt = devices.printed[0]
    assert (receipt.points_earned, receipt.balance, receipt.training) == (12, 52, False)
    assert devices.signals == ["success", "unknown_card"]
    till.start_drill("paper_out")
    till.start_sale({"general": 100})
    till.card_presented(KNOWN)
    till._effects.submit(lambda: None).result()
    assert devices.printed[-1].training is True
    till.reprint_last()
    assert devices.reprinted == [devices.printed[-1].receipt_id]
    assert {r["drill"]: r["best"] for r in till.training_book.checklist("alice")}["paper_out"]["score"] == 100


def test_adoption_figures_survive_a_restart(till, config):
    from device.till.adoption import AdoptionBook

    till.start_sale({"general": 500})
    till.card_presented(KNOWN)
    till.close()
    figures = {f.cashier_id: f for f in AdoptionBook(config.data_dir / "till-adoption.json").figures()}
    assert (figures["alice"].operations, figures["alice"].earns) == (1, 1)
    assert figures["alice"].mean_op_ms == 0.0  # the test clock did not move


def test_points_spent_while_central_issues_the_code_refuse_the_voucher(till):
    from loyalty.domain.rewards import IssuedVoucher

    till.start_sale({"general": 110000})
    till.card_presented(KNOWN)  # 40 + 1100 points

    def issuer(partner, customer_id, redemption_id):
        till.redeem("voucher-5", pin="1234")  # another redemption lands while central answers
        return IssuedVoucher(partner, "HOL-0002", 2000, redemption_id)

    till.voucher_issuer = issuer
    with pytest.raises(InsufficientPoints):
        till.redeem("holiday-20", pin="1234")
    assert till.store.balance("cust-00004") == 840


def test_a_customer_held_with_least_data_is_asked_only_what_the_till_can_tell_is_missing(till, clock):
    from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

    till.store.apply_batch(
        PulledBatch(
            cursor=9,
            customers=(
                CustomerState(
                    "held-1",
                    0,
                    "Anouk",
                    last_initial="V",
                    consent_granted=True,
                    consent_version="v1",
                    contact_hashes=("ab" * 16,),
                ),
                CustomerState("held-2", 0, "Basile", last_initial="G", consent_granted=True, consent_version="v1"),
            ),
            cards=(CardState("HELD0001", "held-1"), CardState("HELD0002", "held-2")),
        )
    )
    assert till.card_presented("HELD0001")["customer"]["suggest"] is None  # has a surname and a contact
    assert till.card_presented("HELD0002")["customer"]["suggest"] == "phone"
