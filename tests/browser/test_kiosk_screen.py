"""The self-service kiosk in Debian's Chromium, driven through the virtual hardware panel, in French and English."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from central.backoffice.loyalty_terms import save_expiry, save_tiers
from central.ingest import ingest
from central.transactions import in_transaction
from device.sync.setup import build_worker
from kiosk.selfservice_demo import demo_kiosk
from loyalty import phonecard
from loyalty.domain.events import PointsEarned
from loyalty.domain.expiry import ExpiryRule
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.domain.tiers import Tier, TierScale
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

TEXT = {
    "fr": {
        "hello": "Bonjour Ana D.",
        "idle": "Posez votre carte sur le lecteur",
        "done": "C'est fait !",
        "limit": "toutes ses récompenses",
        "removed_card": "Reposez votre carte",
        "welcome": "Bienvenue, Léa",
        "replayed": "déjà servi",
        "expired": "a expiré",
        "next": "Encore 260 points pour",
        "pool": "Votre cagnotte famille-dupont : 60 points (2 membres)",
        "expiry": "120 points expirent à partir du {day}",
        "tier": "Niveau : argent",
    },
    "en": {
        "hello": "Hello Ana D.",
        "idle": "Tap your card on the reader",
        "done": "Done!",
        "limit": "used all its rewards",
        "removed_card": "Put your card back",
        "welcome": "Welcome, Léa",
        "replayed": "already used",
        "expired": "has expired",
        "next": "260 more points for",
        "pool": "Your pool famille-dupont: 60 points (2 members)",
        "expiry": "120 points expire from {day}",
        "tier": "Tier: argent",
    },
}


@pytest.fixture
def make_kiosk(tmp_path):
    opened = []

    def make(**options):
        context = demo_kiosk(tmp_path / f"k{len(opened)}", **options)
        opened.append(context)
        return context.__enter__()

    yield make
    for context in reversed(opened):
        context.__exit__(None, None, None)


@pytest.fixture
def kiosk(make_kiosk):
    return make_kiosk(redeem_per_day=1)


class Screens:
    """The kiosk page and the hardware panel page, side by side in one browser context."""

    def __init__(self, browser, kiosk, lang: str, size=(800, 480)) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fr-FR")
        self.kiosk = kiosk
        self.lang = lang
        self.page = self.context.new_page()
        self.page.goto(kiosk.url + f"?lang={lang}")
        expect(self.page.locator("body")).to_have_attribute("data-live", "yes")
        self.panel = self.context.new_page()
        self.panel.goto(kiosk.panel_url)

    def text(self, key: str) -> str:
        return TEXT[self.lang][key]

    def tap(self, uid: str) -> None:
        self.panel.fill("#card-uid", uid)
        self.panel.click("#present-card")

    def remove(self) -> None:
        self.panel.click("#remove-card")

    def scan(self, payload: str) -> None:
        self.panel.fill("#qr-payload", payload)
        self.panel.click("#scan-qr")

    def screen(self, name: str):
        locator = self.page.locator(f"#screen > section[data-screen={name}]")
        expect(locator).to_be_visible()
        return locator

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=["fr", "en"])
def screens(request, browser, kiosk):
    opened = Screens(browser, kiosk, request.param)
    yield opened
    opened.close()


def test_tap_shows_balance_and_removal_leaves_nothing(screens):
    screens.tap("A1B2C3D4")
    balance = screens.screen("balance")
    expect(balance.locator("#greeting")).to_have_text(screens.text("hello"))
    expect(balance.locator("#points")).to_have_text("140")
    expect(balance.locator("#next-reward")).to_contain_text(screens.text("next"))
    expect(balance.locator("#rewards button.reward")).to_have_count(2)
    expect(balance.locator("#pool-balance")).to_have_text(screens.text("pool"))
    assert "Dupont" not in screens.page.content()
    screens.remove()
    expect(screens.screen("idle")).to_contain_text(screens.text("idle"))
    assert "Ana" not in screens.page.locator("#screen").inner_text()


def test_points_expiring_soon_and_the_tier_pulled_from_central_show_and_print(screens, kiosk):
    """Central has the expiry and tier settings and an earn 350 days old: the kiosk pulls, then says it calmly."""
    earned_on = date.today() - timedelta(days=350)
    old_earn = PointsEarned(
        device_id="till-9",
        seq=1,
        at=f"{earned_on.isoformat()}T10:00:00+01:00",
        customer_id="demo-ben",
        receipt_ref="OLD-1",
        amount_cents=12_000,
        points=120,
    )
    recent_earn = PointsEarned(
        device_id="till-9", seq=2, customer_id="demo-cleo", receipt_ref="NEW-1", amount_cents=1_000, points=10
    )

    def seed(connection):
        save_expiry(connection, "admin", ExpiryRule(after_days=365, notice_days=30))
        save_tiers(connection, "admin", TierScale(365, (Tier("bronze", 0), Tier("argent", 100))))
        ingest(connection, [old_earn, recent_earn], None)

    in_transaction(kiosk.central.engine, seed)
    service = kiosk.service
    worker = build_worker(kiosk.config, service.store, reference=service.reference.apply)
    assert worker.sync_once().last_error is None
    day = (earned_on + timedelta(days=365)).strftime("%d/%m/%Y")
    screens.tap("B1B2C3D4")
    balance = screens.screen("balance")
    expect(balance.locator("#points")).to_have_text("120")
    expect(balance.locator("#expiry-notice")).to_have_text(screens.text("expiry").format(day=day))
    expect(balance.locator("#tier")).to_have_text(screens.text("tier"))
    finish = balance.locator("button[data-end]").bounding_box()  # the extra lines never push Finish off screen
    assert finish["y"] + finish["height"] <= screens.page.viewport_size["height"]
    balance.locator("button[data-reward=coffee]").click()
    screens.screen("confirm").locator("#confirm-redeem").click()
    expect(screens.screen("done").locator("#printed")).to_be_visible()
    wait_until(lambda: any("Café offert" in r.text for r in kiosk.emulators.receipts()), 5)
    (slip,) = [r.text for r in kiosk.emulators.receipts() if "Café offert" in r.text]
    assert any(line.startswith(f"Expirent à partir du {day}") and line.endswith(" 90") for line in slip.splitlines())
    screens.screen("done").locator("#back-to-balance").click()
    expect(screens.screen("balance").locator("#expiry-notice")).to_contain_text("90")
    screens.remove()
    screens.tap("C1B2C3D4")  # earned today only: nothing expires soon, still a tier
    balance = screens.screen("balance")
    expect(balance.locator("#tier")).to_be_visible()
    expect(balance.locator("#expiry-notice")).to_have_count(0)


def test_redeem_in_house_prints_a_voucher_and_the_daily_limit_holds(screens, kiosk):
    screens.tap("A1B2C3D4")
    screens.screen("balance").locator("button[data-reward=coffee]").click()
    screens.screen("confirm").locator("#confirm-redeem").click()
    done = screens.screen("done")
    expect(done).to_contain_text(screens.text("done"))
    expect(done.locator("#printed")).to_be_visible()
    assert kiosk.service.store.balance("demo-ana") == 110
    wait_until(lambda: any("Café offert" in r.text for r in kiosk.emulators.receipts()), 5)
    assert any("Café offert" in r.text and "Bon à présenter en caisse" in r.text for r in kiosk.emulators.receipts())
    done.locator("#back-to-balance").click()
    expect(screens.screen("balance").locator("#points")).to_have_text("110")
    screens.screen("balance").locator("button[data-reward=coffee]").click()
    screens.screen("confirm").locator("#confirm-redeem").click()
    expect(screens.screen("message")).to_contain_text(screens.text("limit"))
    assert kiosk.service.store.balance("demo-ana") == 110


def test_partner_voucher_code_is_shown_and_kept_in_history(screens, kiosk):
    screens.tap("C1B2C3D4")
    screens.screen("balance").locator("button[data-reward=holiday-20]").click()
    screens.screen("confirm").locator("#confirm-redeem").click()
    done = screens.screen("done")
    expect(done.locator("#voucher-code")).to_have_text("HOL-0001")
    expect(done.locator(".k-qr svg")).to_be_visible()
    done.locator("#back-to-balance").click()
    balance = screens.screen("balance")
    expect(balance.locator("#points")).to_have_text("500")
    expect(balance.locator("#recent")).to_contain_text("HOL-0001")


def test_card_removed_mid_flow_spends_nothing(screens, kiosk):
    screens.tap("A1B2C3D4")
    screens.screen("balance").locator("button[data-reward=tote]").click()
    screens.screen("confirm")
    screens.remove()
    expect(screens.screen("idle")).to_contain_text(screens.text("idle"))
    token = screens.page.locator('meta[name="csrf-token"]').get_attribute("content")
    late = screens.page.request.post(
        kiosk.url + "screen/redeem", headers={"X-CSRFToken": token}, form={"card_uid": "A1B2C3D4", "reward_id": "tote"}
    )
    assert screens.text("removed_card") in late.text()
    assert kiosk.service.store.balance("demo-ana") == 140 and kiosk.service.store.pending_count() == 0


def test_unknown_card_registers_with_consent_and_the_keyboard(screens, kiosk):
    screens.tap("DDCCBBAA")
    consent = screens.screen("consent")
    consent.locator("#accept-consent").click()
    register = screens.screen("register")
    for key in "LÉA":
        register.locator(f".k-key[data-key='{key}']").click()
    expect(register.locator("#first-name")).to_have_value("LÉA")
    register.locator("#register").click()
    expect(screens.screen("balance").locator("#greeting")).to_contain_text(screens.text("welcome"))
    view = kiosk.service.store.customer_by_card("DDCCBBAA")
    assert view.first_name == "Léa" and view.consent_granted is True and view.points == 0


def test_refusing_consent_records_nothing(screens, kiosk):
    screens.tap("DDCCBBAA")
    screens.screen("consent").locator("#refuse-consent").click()
    expect(screens.screen("idle")).to_be_visible()
    assert kiosk.service.store.customer_by_card("DDCCBBAA") is None and kiosk.service.store.pending_count() == 0


def test_phone_card_is_accepted_once_and_expired_codes_are_refused(screens, kiosk):
    code = phonecard.sign_code(kiosk.signing_key, "A1B2C3D4", time.time())
    screens.scan(code)
    expect(screens.screen("balance").locator("#greeting")).to_have_text(screens.text("hello"))
    screens.scan(code)
    expect(screens.screen("message")).to_contain_text(screens.text("replayed"))
    screens.scan(phonecard.sign_code(kiosk.signing_key, "A1B2C3D4", time.time() - 600))
    expect(screens.screen("message")).to_contain_text(screens.text("expired"))


def test_kiosk_shows_the_qr_that_opens_the_phone_card_page(screens, kiosk):
    screens.tap("A1B2C3D4")
    screens.screen("balance").locator("#show-phone-card").click()
    expect(screens.screen("phone").locator("#phone-qr svg")).to_be_visible()
    link = kiosk.central.app.test_client().post(
        "/api/phonecard/link",
        json={"card_uid": "B1B2C3D4"},
        headers={"Authorization": "Bearer " + kiosk.config.data_dir.joinpath("central.token").read_text().strip()},
    )
    page = kiosk.central.app.test_client().get(link.json["path"] + "/code").json
    assert phonecard.verify_code(page["code"], kiosk.signing_key.public_key(), time.time()).card_uid == "B1B2C3D4"


def test_idle_screen_returns_after_the_timeout(browser, make_kiosk):
    kiosk = make_kiosk(idle_timeout_s=2)
    screens = Screens(browser, kiosk, "fr")
    try:
        screens.tap("A1B2C3D4")
        screens.screen("balance")
        expect(screens.screen("idle")).to_be_visible(timeout=5000)
        assert "Ana" not in screens.page.locator("#screen").inner_text()
        screens.page.request.get(kiosk.url + "screen/card/A1B2C3D4")  # the session ended with the screen
        assert kiosk.service.store.pending_count() == 0
    finally:
        screens.close()


def test_a_customer_who_joined_at_the_till_without_a_first_name_is_greeted_without_one(browser, kiosk):
    """A till lets a customer join on their yes alone; the kiosk greets them without an empty name."""
    kiosk.service.store.apply_batch(
        PulledBatch(
            cursor=1,
            customers=(CustomerState("no-name-yet", 25, first_name="", consent_granted=True),),
            cards=(CardState("0A0B0C0D", "no-name-yet"),),
        )
    )
    screens = Screens(browser, kiosk, "fr")
    try:
        screens.tap("0A0B0C0D")
        expect(screens.screen("balance").locator("#greeting")).to_have_text("Bonjour !")
        expect(screens.screen("balance").locator("#points")).to_have_text("25")
        screens.page.click("#lang-en")
        expect(screens.screen("balance").locator("#greeting")).to_have_text("Hello!")
    finally:
        screens.close()


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)])
def test_language_switch_and_layout_fit_both_screens(browser, kiosk, size):
    screens = Screens(browser, kiosk, "fr", size)
    try:
        screens.tap("C1B2C3D4")
        expect(screens.screen("balance").locator("#greeting")).to_have_text("Bonjour Cléo")
        screens.page.click("#lang-en")
        expect(screens.screen("balance").locator("#greeting")).to_have_text("Hello Cléo")
        overflow = screens.page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert overflow is False
        for button in screens.page.locator("#screen button").all():
            box = button.bounding_box()
            assert box["height"] >= 48
    finally:
        screens.close()
