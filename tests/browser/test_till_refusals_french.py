"""Every refusal the till can give, driven through its screen in French: each is said in French, says what
to do, and never shows the server's English message or a raw error code.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from playwright.sync_api import expect

from loyalty.domain.snapshot import CardState, PulledBatch
from tests.browser.test_till_flows import (  # noqa: F401  (fixtures)
    KNOWN,
    UNKNOWN,
    key_amount,
    served,
    sign_in,
    tabs,
    tap,
    till_service,
)

pytestmark = pytest.mark.browser

BLOCKED = "B10CCED0"
#: Words of the till's English messages that French text never holds.
ENGLISH = re.compile(
    r"\b(the|this|is|are|was|has|been|must|please|tap|card|receipt|customer|refund|undo|"
    r"first|name|required|cannot|no|not|amount|sign|phone|code has|expired|manager|try)\b",
    re.I,
)
#: An error class name such as ConsentMissing or a catalogue id left untranslated.
RAW_ID = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]+\b|\b[a-z]+_[a-z_]+\b")
SHOWN = "#message.error, .overlay:not([hidden]) .overlay-error:not([hidden]), #printer:not([hidden]), #signin-error"


def refusal(page) -> str:
    """The refusal now on screen (waiting for it), checked to be French and free of raw ids."""
    shown = page.locator(SHOWN).filter(has_text=re.compile(r"\S")).last
    expect(shown).to_be_visible()
    text = shown.text_content(timeout=2000).strip()
    assert not ENGLISH.search(text), text
    assert not RAW_ID.search(text), text
    page.wait_for_timeout(300)  # the same refusal also comes by the live channel: let it land, then clear
    clear(page)
    return text


def clear(page) -> None:
    page.evaluate("""() => document.querySelectorAll('#message, .overlay-error').forEach(e => {
        e.textContent = ''; e.className = e.className.replace(' error', ''); })""")


def test_every_refusal_of_the_till_is_said_in_french_with_what_to_do(tabs, served, till_service):
    till, panel = tabs
    till_service.store.apply_batch(PulledBatch(cursor=1, cards=(CardState(BLOCKED, "cust-00001", True),)))
    seen: dict[str, str] = {}

    till.goto(served + "/till/signin")  # a wrong PIN
    till.check("input[value=alice]")
    till.fill("#pin", "0000")
    till.click("#signin")
    seen["SignInRefused"] = refusal(till)
    sign_in(till, served)

    till.click("#sale-ok")  # OK with nothing keyed
    seen["InvalidAmount"] = refusal(till)

    till.click("#undo")  # nothing to cancel yet
    till.click("#undo-ok")
    seen["NothingToUndo"] = refusal(till)
    till.click("#undo-box .close")

    till.click("#reprint")  # nothing printed yet
    seen["UnknownPrintJob"] = refusal(till)

    tap(tabs, BLOCKED)
    seen["CardBlocked"] = refusal(till)

    for payload, kind in (("LC1.bm90LWEtY29kZQ", "PhoneCodeRefused"), ("LR1.NO-SUCH-RECEIPT", "UnknownReceipt")):
        panel.bring_to_front()
        panel.fill("#qr-payload", payload)
        panel.click("#scan-qr")
        till.bring_to_front()
        seen[kind] = refusal(till)

    key_amount(till, "1000")  # a new card: the form's refusals
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    till.fill("#first-name", "R2D2")
    till.click("#capture-save")
    seen["InvalidName"] = refusal(till)
    till.fill("#first-name", "Zoé")
    till.click("#capture summary")  # "More (optional)"
    till.fill("#last-name", "Pe\u200btit")  # an invisible character slipped in
    till.click("#capture-save")
    seen["InvalidCustomerText"] = refusal(till)
    till.fill("#last-name", "")
    config = till_service.till.config  # this till now requires capture: skipping needs a manager
    till_service.till.config = dataclasses.replace(
        config, till=dataclasses.replace(config.till, capture_mode="required")
    )
    till.click("#capture-skip")
    expect(till.locator("#manager")).to_be_visible()
    ok = till.locator("#manager-ok").bounding_box()
    assert ok["y"] + ok["height"] <= 480  # the manager's PIN pad and Confirm fit the screen
    seen["ManagerPinRequired"] = refusal(till)
    till.click("#manager .pinpad .key[data-key='9']")
    till.click("#manager-ok")
    expect(till.locator("#manager .overlay-error")).not_to_have_text(seen["ManagerPinRequired"])
    seen["SignInRefused (manager)"] = refusal(till)
    till_service.till.config = config
    till.click("#manager .close")

    key_amount(till, "120000")  # enough points for the partner voucher
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("1240")
    till.click("#open-redeem")
    till.click("button.reward[data-reward=holiday-20]")
    till.click("#redeem-ok")
    seen["PinRequired"] = refusal(till)
    for digit in "1234":  # the PIN typed on the panel's own keypad
        till.click(f"#redeem-pinpad .key[data-key='{digit}']")
    ok = till.locator("#redeem-ok").bounding_box()
    assert ok["y"] + ok["height"] <= 480
    till.click("#redeem-ok")
    seen["OfflineLimitReached"] = refusal(till)
    till.click("#redeem .close")

    ref = till_service.store.pending()[-1].receipt_ref
    till.click("#open-refund")
    till.fill("#refund-ref", "NO-SUCH-RECEIPT")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    seen["UnknownReceipt (typed)"] = refusal(till)
    till.fill("#refund-ref", ref)
    till.fill("#refund-amount", "5000")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    seen["InvalidAmount (refund)"] = refusal(till)
    till.fill("#refund-amount", "")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#refund")).to_be_hidden()
    till.click("#open-refund")
    till.fill("#refund-ref", ref)
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    seen["NothingToReverse"] = refusal(till)
    till.click("#refund .close")

    tap(tabs, UNKNOWN)  # the new card joins on the customer's yes alone, its first name left for later
    till.click("#capture-save")
    expect(till.locator("#capture")).to_be_hidden()
    till_service.till._offered.clear()  # a later visit: the customer is asked their first name
    tap(tabs, UNKNOWN)
    till.click("#suggest-open")
    till.click("#suggest-save")  # nothing typed
    seen["FieldRequired"] = refusal(till)
    till.click("#ask .close")

    kinds = [kind for kind in seen if "(" not in kind]
    assert len({seen[kind] for kind in kinds}) == len(kinds), seen  # each kind of refusal says its own thing
    assert all("." in text or "!" in text or ":" in text for text in seen.values()), seen
