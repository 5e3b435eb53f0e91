"""In Chromium at the till: another till's receipt while central is unreachable is said clearly (French), and a
manager's PIN notes the refund for later; a receipt the POS sends again says it was already credited."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from loyalty.errors import SyncUnavailable
from tests.browser.test_till_flows import served, sign_in, tabs, tap, till_service  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _until_removed(seen, uid: str) -> None:
    """Wait for the reader to have seen the card lifted (a card laid again before that is the same tap)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        message = seen.get(0.05)
        if message is not None and message.kind == "card_removed" and message.data.get("uid") == uid:
            return
    raise AssertionError(f"the reader never saw card {uid} lifted")


def _central_down(ref):
    raise SyncUnavailable("central could not be reached")


def test_another_tills_receipt_offline_needs_central_and_a_manager_notes_it(tabs, served, till_service):  # noqa: F811
    till, _ = tabs
    till_service.till.receipt_source = _central_down  # a till of a store with central, which is down now
    sign_in(till, served)
    till.click("#open-refund")
    till.fill("#refund-ref", "CAISSE2-0042")
    till.fill("#refund-amount", "12")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#manager")).to_be_visible()  # said inside the overlay the cashier now looks at
    expect(till.locator("#manager .overlay-error")).to_contain_text("Ce ticket a été enregistré à une autre caisse")
    till.fill("#manager-pin", "5678")
    till.click("#manager-ok")
    expect(till.locator("#message")).to_have_text(
        "Remboursement noté : la caisse le fera dès que le serveur central répondra."
    )
    waiting = till_service.till.waiting_refunds.all()
    assert [(w.receipt_ref, w.refund_cents, w.noted_by) for w in waiting] == [("CAISSE2-0042", 1200, "marc")]
    assert till_service.store.pending() == []


def test_a_receipt_sent_again_by_the_pos_says_it_was_already_credited(tabs, served, till_service):  # noqa: F811
    till, _ = tabs
    sign_in(till, served)
    for attempt in range(2):
        answer = httpx.post(served + "/api/till/basket", json={"lines": {"general": 2500}, "receipt_ref": "POS-1"})
        assert answer.status_code == 200
        if attempt == 0:
            with till_service.bus.subscribe() as seen:
                tap(tabs, "A0000004")
                expect(till.locator("#customer-points")).to_have_text("65")
                _until_removed(seen, "A0000004")  # the next lay of the same card is then a new tap
    assert answer.json()["repeat"] is True
    till_service.till.start_sale({"general": 2500}, receipt_ref="POS-1", source="pos")  # a keyed retry of it
    _, panel = tabs
    panel.bring_to_front()
    panel.fill("#card-uid", "A0000004")
    panel.click("#present-card")  # left on the reader until the till has answered: a quick lift can be missed
    till.bring_to_front()
    expect(till.locator("#message")).to_have_text("Ce ticket a déjà été crédité : rien de plus n’est ajouté.")
    panel.bring_to_front()
    panel.click("#remove-card")
    till.bring_to_front()
    expect(till.locator("#customer-points")).to_have_text("65")
