"""What a first-time cashier meets at the till, in Debian's Chromium at 800x480, in French and in English.

Each test walks one path a cashier took when the till was tried end to end: an amount keyed without OK,
a refusal inside an overlay, a refund by the receipt's code, the screen left by the previous customer or
cashier, the language, what fits on the screen, cancelling the last operation, and a training drill.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from loyalty.domain.events import ConsentChanged, EarnReversed, PointsEarned
from loyalty.domain.snapshot import (
    CentralSetting,
    CustomerState,
    PoolBalanceState,
    PoolMemberState,
    PulledBatch,
)
from tests.browser.test_till_flows import (  # noqa: F401  (fixtures)
    KNOWN,
    UNKNOWN,
    key_amount,
    no_overflow,
    served,
    sign_in,
    tabs,
    tap,
    till_service,
)

pytestmark = pytest.mark.browser

#: Cashier, PIN and the words each language should show.
CASHIERS = {"fr": ("alice", "1234"), "en": ("marc", "5678")}


def press_digits(page, cents: str) -> None:
    page.bring_to_front()
    for digit in cents:
        page.click(f"#keypad .key[data-key='{digit}']")


def earns(service) -> list[PointsEarned]:
    return [e for e in service.store.pending() if isinstance(e, PointsEarned)]


def on_screen(page, selector: str) -> None:
    """The element is visible and wholly inside the 800x480 screen."""
    expect(page.locator(selector)).to_be_visible()
    box = page.locator(selector).bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 480, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= 800, selector


def small_targets(page) -> list[str]:
    """Visible buttons, inputs, checkboxes and links smaller than 44x44 px."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('button, input, a, summary, select'))
      .filter(e => e.offsetParent !== null && e.type !== 'hidden')
      .map(e => [e.id || e.className || e.textContent.trim(), e.getBoundingClientRect()])
      .filter(([_, r]) => r.width < 44 || r.height < 44)
      .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")


# -- 1. no silent loss ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, said", [("fr", "crédité sans Valider"), ("en", "credited without OK")])
def test_a_tap_while_an_amount_is_keyed_without_ok_credits_that_amount_and_says_so(
    tabs, served, till_service, lang, said
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    press_digits(till, "1500")  # 15,00 € keyed, OK forgotten
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).to_have_text(re.compile(r"\+15 points"))
    expect(till.locator("#customer-points")).to_have_text("55")
    expect(till.locator("#message")).to_contain_text(said)
    expect(till.locator("#amount")).to_have_text(re.compile(r"0[,.]00"))
    assert [(e.amount_cents, e.points) for e in earns(till_service)] == [(1500, 15)]


# -- 2. errors where the eye is -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "lang, bad_name",
    [
        ("fr", "Prénom : des lettres seulement (et ' - .), 40 au plus."),
        ("en", "First name: letters only (and ' - .), at most 40."),
    ],
)
def test_refusals_of_the_capture_form_show_inside_the_form_in_the_cashiers_language(
    tabs, served, till_service, lang, bad_name
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    till.fill("#first-name", "R2D2")
    till.click("#capture-save")
    expect(till.locator("#capture .overlay-error")).to_have_text(bad_name)
    on_screen(till, "#capture .overlay-error")
    assert till_service.store.customer_by_card(UNKNOWN) is None
    till.fill("#first-name", "Zoé")
    till.click("#capture-save")
    expect(till.locator("#capture")).to_be_hidden()
    expect(till.locator("#customer-name")).to_have_text("Zoé")


@pytest.mark.parametrize(
    "lang, card, later, asked",
    [
        ("fr", "Carte …BEEF", "ou à la prochaine visite", "Prénom ?"),
        ("en", "Card …BEEF", "or at the next visit", "First name?"),
    ],
)
def test_the_customers_yes_alone_captures_in_one_touch_and_the_next_visit_asks_the_first_name(
    tabs, served, till_service, lang, card, later, asked
):
    """A queue waits: the customer joins on their yes; the first name is the next visit's one question."""
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#first-name")).to_have_attribute("placeholder", later)
    till.click("#capture-save")  # the only touch: no name typed
    expect(till.locator("#points-earned")).to_have_text("+10 points")
    expect(till.locator("#customer-name")).to_have_text(card)
    view = till_service.store.customer_by_card(UNKNOWN)
    assert view.first_name == "" and view.consent_granted is True
    expect(till.locator("#suggest")).to_be_hidden()  # nothing more on the visit that captured them
    till_service.till._offered.clear()  # as if an hour had passed
    tap(tabs, UNKNOWN)
    expect(till.locator("#suggest-label")).to_have_text(asked)
    till.click("#suggest-open")
    till.click("#suggest-save")  # nothing typed: said inside the question's own box
    expect(till.locator("#ask .overlay-error")).to_be_visible()
    on_screen(till, "#ask .overlay-error")
    for key in "INES":
        till.locator("#ask .osk-key", has_text=re.compile(f"^{key}$")).first.click()
    till.click("#suggest-save")
    expect(till.locator("#customer-name")).to_have_text("Ines")
    assert till_service.store.customer_by_card(UNKNOWN).first_name == "Ines"
    assert no_overflow(till)


@pytest.mark.parametrize(
    "lang, agrees, refuses, question",
    [
        ("fr", "Le client accepte — enregistrer", "Le client refuse", "Acceptez-vous les conditions"),
        ("en", "Customer agrees — save", "Customer refuses", "Do you agree to the loyalty terms"),
    ],
)
def test_one_touch_records_the_customers_consent_and_saves_and_a_refusal_keeps_the_sale(
    tabs, served, till_service, lang, agrees, refuses, question
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture-skip")).to_have_text(refuses)  # the customer says no: nothing is kept
    till.click("#capture-skip")
    expect(till.locator("#capture")).to_be_hidden()
    expect(till.locator("#prompt")).to_contain_text("10")  # the sale still waits for a card
    assert till_service.store.customer_by_card(UNKNOWN) is None
    assert not [e for e in till_service.store.pending() if isinstance(e, ConsentChanged)]
    tap(tabs, UNKNOWN)  # asked again at the next tap, and this time the customer agrees
    expect(till.locator("#consent-text")).to_contain_text(question)
    expect(till.locator("#consent-text")).to_contain_text(till_service.config.till.consent_version)
    expect(till.locator("#first-name")).to_be_focused()  # the keyboard types into the first name at once
    expect(till.locator("#capture input[type=checkbox]")).to_have_count(0)
    till.locator("#osk .osk-key", has_text=re.compile("^L$")).first.click()
    till.locator("#osk .osk-key", has_text=re.compile("^É$")).first.click()
    till.locator("#osk .osk-key", has_text=re.compile("^A$")).first.click()
    expect(till.locator("#capture-save")).to_have_text(agrees)
    till.click("#capture-save")  # one touch: consent recorded and the customer saved, no other question
    expect(till.locator("#points-earned")).to_have_text("+10 points")
    view = till_service.store.customer_by_card(UNKNOWN)
    assert view.first_name == "Léa" and view.consent_granted is True
    (consent,) = [e for e in till_service.store.pending() if isinstance(e, ConsentChanged)]
    assert (consent.customer_id, consent.granted, consent.channel) == (view.customer_id, True, "till")
    assert consent.text_version == till_service.config.till.consent_version and consent.at  # the version and time


# -- 3. one receipt number; refund by scanning it, by picking it, or typed on the screen keyboard ------------
def test_the_receipt_prints_one_number_and_its_code_scanned_at_the_till_opens_its_refund(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    key_amount(till, "2350")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("63")
    ref = earns(till_service)[-1].receipt_ref
    panel.bring_to_front()
    expect(panel.locator("#receipts .receipt").first).to_be_attached()  # no eval under the page's CSP
    (receipt,) = till_service.devices.emulators.receipts()
    numbered = [
        line
        for line in receipt.text.splitlines()
        if re.search(r"Ticket|[0-9A-F]{6}-", line) and not line.strip().startswith("[QR")
    ]
    assert all(ref in line for line in numbered) and len(numbered) == 2  # the header, and the code's caption
    assert receipt.qr_codes == ("LR1." + ref,)
    panel.fill("#qr-payload", receipt.qr_codes[0])  # the scanner reads the receipt's code
    panel.click("#scan-qr")
    till.bring_to_front()
    expect(till.locator("#refund")).to_be_visible()
    expect(till.locator("#refund-ref")).to_have_value(ref)
    expect(till.locator("#refund-question")).to_contain_text(ref)
    assert not [e for e in till_service.store.pending() if isinstance(e, EarnReversed)]  # asked, not done
    till.click("#refund-confirm-ok")
    expect(till.locator("#refund")).to_be_hidden()
    expect(till.locator("#customer-points")).to_have_text("40")
    assert [e.refund_cents for e in till_service.store.pending() if isinstance(e, EarnReversed)] == [2350]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_refund_is_picked_from_this_tills_last_receipts_or_typed_on_the_screen_keyboard(
    tabs, served, till_service, lang
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "1200")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("52")
    key_amount(till, "800")
    tap(tabs, "A0000002")
    expect(till.locator("#customer-points")).to_have_text("28")
    first, second = (e.receipt_ref for e in earns(till_service))
    till.click("#open-refund")
    expect(till.locator("#recent-receipts .receipt-pick")).to_have_count(2)
    expect(till.locator("#recent-receipts .receipt-pick").first).to_contain_text("Prénom2")  # newest first
    assert no_overflow(till)
    till.click(f".receipt-pick[data-ref='{first}']")
    expect(till.locator("#refund-question")).to_contain_text(first)
    till.click("#refund-confirm-ok")
    expect(till.locator("#customer-points")).to_have_text("40")
    till.click("#open-refund")  # the same receipt again: shown as refunded, not offered
    expect(till.locator(f".receipt-pick[data-ref='{first}']")).to_be_disabled()
    till.click("#refund-ref")
    for key in second:  # typed on the on-screen keyboard, as on a touch-only till
        till.locator("#refund .osk-key", has_text=re.compile(f"^{re.escape(key)}$", re.I)).first.click()
    expect(till.locator("#refund-ref")).to_have_value(second)
    for control in ("#refund-ok", "#refund .close", "#refund .osk-row >> nth=4"):  # the keyboard's last row too
        on_screen(till, control)
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#refund")).to_be_hidden()
    assert [e.receipt_ref for e in till_service.store.pending() if isinstance(e, EarnReversed)] == [first, second]


# -- 4. a clean screen for each sale, and for each cashier ----------------------------------------------------------
def test_the_previous_customer_leaves_the_screen_when_a_sale_starts_and_when_cashiers_change(tabs, served):
    till, _ = tabs
    sign_in(till, served)
    key_amount(till, "900")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-name")).to_have_text("Prénom4")
    key_amount(till, "500")  # the next sale
    expect(till.locator("#customer")).to_be_hidden()
    expect(till.locator("#points-earned")).to_have_text("")
    till.click("#sale-cancel")
    tap(tabs, KNOWN)  # a customer shown without a sale, then the cashier leaves
    expect(till.locator("#customer-name")).to_have_text("Prénom4")
    till.click("#signout")
    sign_in(till, served, "marc", "5678")
    expect(till.locator("#customer")).to_be_hidden()
    expect(till.locator("#customer-name")).to_have_text("")


# -- 5. every word in the cashier's language --------------------------------------------------------------------
def test_the_language_picked_on_the_sign_in_page_stays_after_the_pin(tabs, served):
    till, _ = tabs
    till.goto(served + "/till/signin")
    till.click("a.lang:text('EN')")
    expect(till.locator("h1")).to_have_text("Who is at the till?")
    till.check("input[value=alice]")  # Alice's own language is French
    for digit in "1234":
        till.click(f".pinpad .key[data-key='{digit}']")
    till.click("#signin")
    expect(till.locator("#open-refund")).to_have_text("Refund")
    till.reload()
    expect(till.locator("#open-redeem")).to_have_text("Reward")


@pytest.mark.parametrize(
    "lang, names, seconds",
    [
        ("fr", ["Vrac maison", "Général", "Hygiène"], "2,2 s"),
        ("en", ["Home bulk", "General", "Hygiene"], "2.2 s"),
    ],
)
def test_category_buttons_show_names_from_the_scale_and_numbers_are_written_as_the_language_writes_them(
    tabs, served, till_service, lang, names, seconds
):
    rules = {
        "base_points": 1,
        "per_cents": 100,
        "categories": {"bulk": 150, "general": 100, "hygiene": 100},
        "promotions": [],
        "category_names": {"bulk": {"fr": "Vrac maison", "en": "Home bulk"}},
    }
    till_service.till.reference.apply(
        PulledBatch(cursor=1, settings=(CentralSetting("earning_rules", json.dumps(rules)),))
    )
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    expect(till.locator(".cat")).to_have_text(names)
    till.click(".cat[data-cat=bulk]")
    press_digits(till, "1000")
    till.click("#add-line")
    expect(till.locator("#lines")).to_contain_text(names[0])
    till_service.bus.publish("till", {"event": "drill_done", "drill": "known_card", "seconds": 2.2, "score": 100})
    expect(till.locator("#drill-panel")).to_contain_text(seconds)


@pytest.mark.parametrize(
    "lang, none, one_earned, pool",
    [
        ("fr", "point", "+1 point", "Cagnotte solo : 1 point (1 membre)"),
        ("en", "points", "+1 point", "Pool solo: 1 point (1 member)"),
    ],
)
def test_counts_of_one_and_none_are_written_as_the_language_writes_them(
    tabs, served, till_service, lang, none, one_earned, pool
):
    """French says "0 point" and "1 membre"; English "0 points" and "1 member"."""
    till_service.store.apply_batch(
        PulledBatch(
            cursor=2,
            customers=(CustomerState("cust-00004", 0, "Prénom4", consent_granted=True, consent_version="v1"),),
            pool_members=(PoolMemberState("cust-00004", "solo", 100),),
            pool_balances=(PoolBalanceState("solo", 0, members=1),),
        )
    )
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("0")
    expect(till.locator("#customer-points-unit")).to_have_text(none)
    key_amount(till, "100")
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).to_have_text(one_earned)  # all of it to the pool: its share is 100 %
    expect(till.locator("#customer-pool")).to_have_text(pool)


# -- 6. every state fits 800x480, every target at least 44 px ------------------------------------------------
def test_training_banner_paper_out_and_the_opened_optional_fields_keep_every_action_on_screen(tabs, served):
    till, panel = tabs
    sign_in(till, served)
    till.click("#training")
    expect(till.locator(".training-banner")).to_be_visible()
    panel.bring_to_front()
    panel.click("#paper-out")
    till.bring_to_front()
    expect(till.locator("#printer")).to_be_visible()
    key_amount(till, "900")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-name")).to_have_text("Prénom4")
    assert no_overflow(till)
    for action in ("#sale-ok", "#sale-cancel", "#keypad .key[data-key='00']", "#reprint", "#training", "#undo"):
        on_screen(till, action)
    assert small_targets(till) == []
    till.click("#training")
    expect(till.locator("#drills")).to_be_visible()
    for action in ("#training-off", "#drills .close"):
        on_screen(till, action)
    till.click("#drills .close")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    till.click("#capture summary")  # "More (optional)"
    expect(till.locator("#email")).to_be_visible()
    for control in ("#capture-save", "#capture-skip", "#consent-text", "#email", "#osk .osk-row >> nth=4"):
        on_screen(till, control)
    assert no_overflow(till)
    assert small_targets(till) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_capture_form_with_its_optional_fields_matches_and_a_refusal_keeps_every_control_on_screen(
    tabs, served, lang
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    till.click("#capture summary")  # "More (optional)"
    for key in "PRÉ":  # customers whose names start so are listed under the form
        till.locator("#osk .osk-key", has_text=re.compile(f"^{key}$", re.I)).first.click()
    expect(till.locator("#duplicates li").first).to_be_visible()
    controls = ("#first-name", "#capture-save", "#capture-skip", "#consent-text", "#email", "#osk .osk-row >> nth=4")
    for control in (*controls, "#duplicates"):
        on_screen(till, control)
    till.fill("#first-name", "Pr\u200bé")  # refused: an invisible character
    till.click("#capture-save")
    expect(till.locator("#capture .overlay-error")).to_be_visible()
    for control in ("#capture .overlay-error", *controls):
        on_screen(till, control)
    assert no_overflow(till) and small_targets(till) == []
    assert till.evaluate("document.getElementById('capture').scrollHeight <= innerHeight")  # nothing to scroll to


def clipped(page) -> list[str]:
    """Shown parts of the sale screen's result column cut by their box (text hidden under overflow)."""
    return page.evaluate("""() => Array.from(
        document.querySelectorAll('.result > *, #customer > *, #customer .figures > *'))
      .filter(e => e.offsetParent !== null && e.textContent.trim() !== '')
      .filter(e => {
        const box = e.getBoundingClientRect(), parent = e.parentElement.getBoundingClientRect();
        return e.scrollHeight > e.clientHeight + 1 || box.bottom > parent.bottom + 1 || box.bottom > innerHeight;
      })
      .map(e => e.id || e.className)""")


@pytest.mark.parametrize(
    "lang, pool, expiry, question",
    [
        ("fr", "Cagnotte famille-test", "40 points expirent", "Téléphone ?"),
        ("en", "Pool famille-test", "40 points expire", "Phone?"),
    ],
)
def test_a_pool_member_with_points_expiring_and_a_profile_question_fits_with_a_printer_notice(
    tabs, served, till_service, lang, pool, expiry, question
):
    earned_on = (date.today() - timedelta(days=350)).isoformat()
    till_service.till.reference.apply(
        PulledBatch(cursor=1, settings=(CentralSetting("expiry", '{"after_days": 365, "notice_days": 30}'),))
    )
    till_service.store.apply_batch(
        PulledBatch(
            cursor=2,
            customers=(
                CustomerState(
                    "cust-00004",
                    40,
                    "Prénom4",
                    "Exemple",
                    email="client4@example.org",
                    consent_granted=True,
                    consent_version="v1",
                    lots=((earned_on, 40),),
                ),
            ),
            pool_members=(PoolMemberState("cust-00004", "famille-test", 50),),
            pool_balances=(PoolBalanceState("famille-test", 161),),
        )
    )
    till, panel = tabs
    sign_in(till, served, *CASHIERS[lang])
    panel.bring_to_front()
    panel.click("#paper-out")
    till.bring_to_front()
    expect(till.locator("#printer")).to_be_visible()
    key_amount(till, "2350")
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).to_have_text("+23 points")
    expect(till.locator("#customer-pool")).to_contain_text(pool)
    expect(till.locator("#customer-expiry")).to_contain_text(expiry)
    expect(till.locator("#suggest-label")).to_have_text(question)
    for shown in (
        "#customer-name",
        "#customer-points",
        "#points-earned",
        "#customer-pool",
        "#customer-expiry",
        "#suggest-open",
        "#printer",
        "#sale-ok",
        "#sale-cancel",
        "#open-refund",
        "#undo",
        "#training",
    ):
        on_screen(till, shown)
    assert clipped(till) == []
    assert no_overflow(till)


# -- 7. cancelling the last operation is asked first, and a manager's PIN is taken right there ----------------------
@pytest.mark.parametrize(
    "lang, question", [("fr", "Annuler la dernière opération ?"), ("en", "Cancel the last operation?")]
)
def test_cancel_last_operation_asks_first_then_takes_a_managers_pin_in_place(
    tabs, served, till_service, lang, question
):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    key_amount(till, "2000")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("60")
    till.click("#undo")
    expect(till.locator("#undo-title")).to_have_text(question)
    till.click("#undo-box .close")  # a slip of the finger: nothing happens
    expect(till.locator("#customer-points")).to_have_text("60")
    assert not [e for e in till_service.store.pending() if isinstance(e, EarnReversed)]
    config = till_service.till.config  # the undo window is over
    till_service.till.config = dataclasses.replace(config, till=dataclasses.replace(config.till, undo_window_s=0))
    till.click("#undo")
    till.click("#undo-ok")
    expect(till.locator("#undo-manager")).to_be_visible()  # the PIN field, right there
    expect(till.locator("#undo-box .overlay-error")).to_be_visible()
    for control in ("#undo-ok", "#undo-box .close", "#undo-pinpad .key[data-key='0']"):
        on_screen(till, control)
    for digit in "5678":
        till.click(f"#undo-pinpad .key[data-key='{digit}']")
    till.click("#undo-ok")
    expect(till.locator("#undo-box")).to_be_hidden()
    expect(till.locator("#customer-points")).to_have_text("40")


# -- 8. a drill says what to do and ends with its score -----------------------------------------------------------
@pytest.mark.parametrize("lang, instruction", [("fr", "saisissez 12,00 €"), ("en", "key €12.00")])
def test_the_new_customer_drill_says_what_to_do_and_shows_its_score(tabs, served, lang, instruction):
    till, _ = tabs
    sign_in(till, served, *CASHIERS[lang])
    till.click("#training")
    expect(till.locator(".training-banner")).to_be_visible()
    till.click("#training")
    till.click("button.drill[data-drill=new_customer]")
    expect(till.locator("#drill-panel")).to_contain_text(instruction)
    key_amount(till, "1200")
    tap(tabs, UNKNOWN)
    till.fill("#first-name", "Léa")
    till.click("#capture-save")
    expect(till.locator("#customer-name")).to_have_text("Léa")
    expect(till.locator("#drill-panel")).to_contain_text("100/100")
