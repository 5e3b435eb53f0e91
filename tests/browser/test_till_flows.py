"""The till in Debian's Chromium at 800x480, driven through the virtual hardware panel like the demo.

One service with emulated devices per test (a fresh store), the till page in one tab and the panel in
another: the card is laid on the emulated MFRC522 and the till learns of it through the real reader loop.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from device.config import parse_config
from kiosk.runner import WebServer
from kiosk.service import KioskService
from loyalty.profile_link import link_key, read_link_token, signature_matches
from tests.factories import seed_store
from web import create_app

pytestmark = pytest.mark.browser

KNOWN = "A0000004"  # Prénom4, 40 points
UNKNOWN = "DEADBEEF"
DEVICE_TOKEN = "browser-till-token"


@pytest.fixture
def till_service(tmp_path):
    config = parse_config(
        {
            "device": {"id": "browser-till", "role": "till", "name": "Caisse test"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
            "till": {"confirm_above_points": 200},
        }
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "central.token").write_text(DEVICE_TOKEN)  # enrolled: receipts carry signed links
    with KioskService.open(config, sync=False) as service:
        seed_store(service.store, 5)
        service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        service.till.cashiers.add("Marc", "manager", "5678", cashier_id="marc", language="en")
        yield service


@pytest.fixture
def served(till_service):
    server = WebServer(create_app(till_service), "127.0.0.1", 0).start()
    yield server.url.rstrip("/")
    server.close()


@pytest.fixture
def tabs(browser, served):
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    till, panel = context.new_page(), context.new_page()
    panel.goto(served + "/panel/")
    yield till, panel
    context.close()


def sign_in(page, base: str, cashier: str = "alice", pin: str = "1234") -> None:
    page.bring_to_front()
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/till/signin$"))
    page.check(f"input[value={cashier}]")
    for digit in pin:
        page.click(f".pinpad .key[data-key='{digit}']")
    page.click("#signin")
    expect(page.locator("#keypad")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-live", "yes")


def key_amount(page, cents: str) -> None:
    page.bring_to_front()
    for digit in cents:
        page.click(f"#keypad .key[data-key='{digit}']")
    page.click("#sale-ok")


def tap(tabs, uid: str) -> None:
    """Lay the card on the emulated reader from the panel, lift it, and come back to the till tab.

    A tab in the background gets no animation frames, so Playwright clicks only in the tab in front.
    """
    till, panel = tabs
    panel.bring_to_front()
    panel.fill("#card-uid", uid)
    panel.click("#present-card")
    expect(panel.locator("#card-on-reader")).to_have_text(uid)
    panel.click("#remove-card")
    expect(panel.locator("#card-on-reader")).to_have_text("none")
    till.bring_to_front()


def no_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        " && document.documentElement.scrollHeight <= document.documentElement.clientHeight"
    )


@pytest.mark.parametrize(
    "cashier, pin, prompt, size",
    [
        ("alice", "1234", "Montant 23,50 €", (800, 480)),
        ("marc", "5678", "Amount €23.50", (800, 480)),
        ("alice", "1234", "Montant 23,50 €", (1280, 800)),
    ],
)
def test_sign_in_then_earn_by_tap_shows_name_balance_and_points(tabs, served, tmp_path, cashier, pin, prompt, size):
    till, panel = tabs
    till.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(till, served, cashier, pin)
    assert no_overflow(till)
    key_amount(till, "2350")
    expect(till.locator("#prompt")).to_contain_text(prompt)
    tap(tabs, KNOWN)
    expect(till.locator("#customer-name")).to_have_text("Prénom4")
    expect(till.locator("#customer-points")).to_have_text("63")
    expect(till.locator("#points-earned")).to_have_text("+23 points")
    till.screenshot(path=str(tmp_path / f"till-earned-{size[0]}x{size[1]}.png"))
    assert no_overflow(till)
    for target in till.locator("button:visible").all():
        box = target.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48, target.inner_text()
    expect(panel.locator("#receipts .receipt").first).to_be_attached()  # no eval under the page's CSP
    receipt = panel.locator("#receipts .receipt").last.inner_text()
    assert "23" in receipt and "63" in receipt


def test_wrong_pin_is_refused_and_locks_after_repeated_failures(tabs, served):
    till, _ = tabs
    till.goto(served + "/till/signin")
    for _ in range(5):
        till.check("input[value=alice]")
        till.fill("#pin", "0000")
        till.click("#signin")
        expect(till.locator("#signin-error")).to_be_visible()
    expect(till.locator("#signin-error")).to_contain_text("bloquée")
    till.check("input[value=alice]")
    till.fill("#pin", "1234")
    till.click("#signin")
    expect(till.locator("#signin-error")).to_contain_text("bloquée")


def test_unknown_card_becomes_a_customer_with_its_first_name_and_one_touch(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    key_amount(till, "1000")
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    assert no_overflow(till)
    for control in ("#first-name", "#consent-text", "#capture-save", "#capture-skip", "#osk .osk-row >> nth=4"):
        box = till.locator(control).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 480, control  # all on screen, no scrolling
    # the form opens by itself, typing goes to the first name; then one touch: the customer agrees, saved
    expect(till.locator("#first-name")).to_be_focused()
    till.fill("#first-name", "zoé")
    till.click("#capture-save")
    expect(till.locator("#capture")).to_be_hidden()
    expect(till.locator("#customer-name")).to_have_text("Zoé")
    expect(till.locator("#points-earned")).to_have_text("+10 points")
    view = till_service.store.customer_by_card(UNKNOWN)
    assert view.first_name == "Zoé" and view.consent_granted is True
    expect(panel.locator("#receipts .receipt").first).to_be_attached()  # no eval under the page's CSP
    qr_codes = [code for receipt in till_service.devices.emulators.receipts() for code in receipt.qr_codes]
    receipt_ref = till_service.store.pending()[-1].receipt_ref
    # the code a refund scans, then a link signed by this till for this customer to finish the profile later,
    # never the bare customer id
    assert len(qr_codes) == 2 and qr_codes[0] == "LR1." + receipt_ref
    assert qr_codes[1].startswith(till_service.config.till.profile_url)
    link, body, signature = read_link_token(qr_codes[1][len(till_service.config.till.profile_url) :])
    assert (link.device_id, link.customer_id, link.purpose) == ("browser-till", view.customer_id, "profile")
    assert signature_matches(link_key(DEVICE_TOKEN), body, signature) and view.customer_id not in qr_codes[1]


def test_on_screen_keyboard_and_duplicate_check_while_typing(tabs, served):
    till, panel = tabs
    sign_in(till, served)
    tap(tabs, UNKNOWN)
    expect(till.locator("#capture")).to_be_visible()
    for key in "PRÉ":
        till.locator("#osk .osk-key", has_text=re.compile(f"^{key}$", re.I)).first.click()
    expect(till.locator("#first-name")).to_have_value("Pré")
    expect(till.locator("#duplicates li")).to_have_count(5)
    expect(till.locator("#duplicates li").first).to_contain_text("Prénom0")
    till.click("#capture-skip")
    expect(till.locator("#capture")).to_be_hidden()


def test_redeem_with_pin_above_threshold_refund_and_undo(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    key_amount(till, "50000")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("540")
    receipt_ref = till_service.till.store.pending()[-1].receipt_ref
    till.click("#open-redeem")
    till.click("button.reward[data-reward=coffee]")
    till.click("#redeem-ok")
    expect(till.locator("#customer-points")).to_have_text("490")
    till.click("#open-redeem")
    till.click("button.reward[data-reward=voucher-5]")
    expect(till.locator("#redeem-pin")).to_be_visible()
    till.fill("#redeem-pin", "1234")
    till.click("#redeem-ok")
    expect(till.locator("#customer-points")).to_have_text("190")
    till.click("#undo")
    till.click("#undo-ok")
    expect(till.locator("#customer-points")).to_have_text("490")
    till.click("#open-refund")
    till.fill("#refund-ref", receipt_ref)
    till.fill("#refund-amount", "100")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#message")).to_contain_text("100")
    expect(till.locator("#customer-points")).to_have_text("390")
    till.click("#open-refund")
    till.fill("#refund-ref", "NO-SUCH-RECEIPT")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#refund .overlay-error")).to_have_text(
        "Aucun achat n’a été enregistré pour cette référence de ticket."
    )


def test_a_refund_typed_in_euros_is_taken_to_the_cent_and_never_guessed(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    key_amount(till, "50000")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("540")
    receipt_ref = till_service.till.store.pending()[-1].receipt_ref
    for typed in ("1 000", "12,345"):  # not an amount in euros: refused, never read as 1 € nor rounded
        till.click("#open-refund")
        till.fill("#refund-ref", receipt_ref)
        till.fill("#refund-amount", typed)
        till.click("#refund-ok")
        till.click("#refund-confirm-ok")
        expect(till.locator("#refund .overlay-error")).to_be_visible()
        till.click("#refund .close")
    assert till_service.till.store.earn_for_receipt(receipt_ref).refunded_cents == 0
    till.click("#open-refund")
    till.fill("#refund-ref", receipt_ref)
    till.fill("#refund-amount", "12,05")
    till.click("#refund-ok")
    till.click("#refund-confirm-ok")
    expect(till.locator("#refund")).to_be_hidden()
    assert till_service.till.store.earn_for_receipt(receipt_ref).refunded_cents == 1205


def test_printer_out_of_paper_during_a_sale_keeps_the_sale(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    panel.bring_to_front()
    panel.click("#paper-out")
    till.bring_to_front()
    expect(till.locator("#printer")).to_be_visible()
    key_amount(till, "1200")
    tap(tabs, KNOWN)
    expect(till.locator("#customer-points")).to_have_text("52")
    expect(till.locator("#printer")).to_contain_text("papier")
    panel.bring_to_front()
    panel.click("#paper-back")
    expect(till.locator("#printer")).to_be_hidden()


def test_central_unreachable_is_said_calmly_in_english(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served, "marc", "5678")
    expect(till.locator("#sync")).to_have_text("Offline: sales kept")
    till_service.bus.publish("sync_status", {"state": "idle"})
    expect(till.locator("#sync")).to_have_text("Online")
    till_service.bus.publish("sync_status", {"state": "offline"})
    expect(till.locator("#sync")).to_have_text("Offline: sales kept")
    key_amount(till, "700")
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).to_have_text("+7 points")
    till.click("a.lang:text('FR')")
    expect(till.locator("#undo")).to_have_text("Annuler la dernière opération")


def test_training_drill_with_banner_score_and_training_receipt(tabs, served, till_service, tmp_path):
    till, panel = tabs
    sign_in(till, served)
    till.click("#training")
    expect(till.locator(".training-banner")).to_be_visible()
    till.click("#training")
    expect(till.locator("#drills")).to_be_visible()
    till.click("button.drill[data-drill=known_card]")
    expect(till.locator("#drill-panel")).to_contain_text("Exercice")
    key_amount(till, "900")
    tap(tabs, KNOWN)
    expect(till.locator("#drill-panel")).to_contain_text("100/100")
    assert till_service.store.pending() == []  # nothing real recorded
    expect(panel.locator("#receipts .receipt").first).to_be_attached()  # no eval under the page's CSP
    assert "TRAINING" in panel.locator("#receipts .receipt").last.inner_text()
    assert no_overflow(till)
    till.click("#training")
    expect(till.locator("[data-best=known_card]")).to_contain_text("100/100")
    expect(till.locator("[data-best=refund]")).to_have_text("—")
    till.screenshot(path=str(tmp_path / "till-drills-800x480.png"))
    assert no_overflow(till)
    till.click("#training-off")
    expect(till.locator(".training-banner")).to_have_count(0)


def test_pos_pushes_the_basket_and_the_tap_credits_it(tabs, served, till_service):
    till, _ = tabs
    sign_in(till, served)
    answer = till.request.post(
        served + "/api/till/basket", data={"receipt_ref": "POS-0042", "lines": {"general": 1500, "hygiene": 1000}}
    )
    assert answer.status == 200
    expect(till.locator("#prompt")).to_contain_text("25,00 €")
    tap(tabs, KNOWN)
    expect(till.locator("#points-earned")).to_have_text("+25 points")
    assert till_service.store.earn_for_receipt("POS-0042").amount_cents == 2500


def test_a_later_visit_suggests_one_more_field_typed_on_the_screen_keyboard(tabs, served, till_service):
    till, _ = tabs
    sign_in(till, served)
    tap(tabs, UNKNOWN)
    till.fill("#first-name", "Zoé")
    till.click("#capture-save")
    expect(till.locator("#customer-name")).to_have_text("Zoé")
    expect(till.locator("#suggest")).to_be_hidden()  # nothing more on the visit that captured them
    till_service.till._offered.clear()  # as if an hour had passed
    tap(tabs, UNKNOWN)
    expect(till.locator("#suggest-label")).to_have_text("Nom ?")
    till.click("#suggest-open")
    for key in "PETIT":
        till.locator("#ask .osk-key", has_text=re.compile(f"^{key}$")).click()
    expect(till.locator("#suggest-value")).to_have_value("Petit")
    assert no_overflow(till)
    till.click("#suggest-save")
    expect(till.locator("#message")).to_have_text("Enregistré.")
    assert till_service.store.customer_by_card(UNKNOWN).last_name == "Petit"


def test_a_real_unreachable_central_is_said_calmly_and_sales_go_on(browser, tmp_path):
    """Central configured but down (nothing listens on its port): the till says so and keeps every sale."""
    import socket

    from device.sync.setup import token_file
    from loyalty.domain.events import PointsEarned

    with socket.socket() as probe:  # a port that was free a moment ago: nothing answers there
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    config = parse_config(
        {
            "device": {"id": "browser-till-2", "role": "till", "name": "Caisse test"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
            "central": {"url": f"http://127.0.0.1:{dead_port}", "timeout_s": 1, "interval_s": 1},
        }
    )
    token_file(config).write("token-of-an-enrolled-device")
    with KioskService.open(config) as service:
        seed_store(service.store, 5)
        service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        server = WebServer(create_app(service), "127.0.0.1", 0).start()
        context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
        try:
            till, panel = context.new_page(), context.new_page()
            base = server.url.rstrip("/")
            panel.goto(base + "/panel/")
            sign_in(till, base)
            expect(till.locator("#sync")).to_have_text("Hors ligne : ventes gardées", timeout=15_000)
            key_amount(till, "1250")
            tap((till, panel), KNOWN)
            expect(till.locator("#points-earned")).to_have_text("+12 points")
            assert service.sync_state()["consecutive_failures"] >= 1
            assert [e.points for e in service.store.pending() if isinstance(e, PointsEarned)] == [12]
            assert no_overflow(till)
        finally:
            context.close()
            server.close()


def test_a_name_from_central_is_shown_as_text_never_as_markup(tabs, served, till_service):
    from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

    hostile = "<script>alert(1)</script>"
    till_service.store.apply_batch(
        PulledBatch(
            cursor=1, customers=(CustomerState("cust-x", 5, hostile),), cards=(CardState("C0FFEE01", "cust-x"),)
        )
    )
    till, _ = tabs
    sign_in(till, served)
    tap(tabs, "C0FFEE01")
    expect(till.locator("#customer-name")).to_have_text(hostile)
    assert till.locator("#customer-name script").count() == 0


def test_a_customer_found_in_the_list_opens_and_an_unknown_card_offline_keeps_its_points(tabs, served, till_service):
    till, panel = tabs
    sign_in(till, served)
    tap(tabs, UNKNOWN)  # a till alone: the capture form, whose list is also the search
    expect(till.locator("#capture")).to_be_visible()
    till.fill("#first-name", "Prénom3")
    expect(till.locator("#duplicates li")).to_have_count(1)
    till.locator("#duplicates li").first.click()  # the customer forgot their card: opened from the list
    expect(till.locator("#capture")).to_be_hidden()
    expect(till.locator("#customer-name")).to_have_text("Prénom3")
    expect(till.locator("#customer-points")).to_have_text("30")

    till_service.till.cards.central = lambda uid: None  # a till of a chain, central not answering now
    key_amount(till, "700")
    tap(tabs, "B0000001")
    expect(till.locator("#customer-name")).to_have_text("Carte …0001")
    expect(till.locator("#points-earned")).to_have_text("+7 points")
    expect(till.locator("#message")).to_contain_text("Points gardés sur la carte")
    assert till_service.store.customer_by_card("B0000001") is None  # no customer made
