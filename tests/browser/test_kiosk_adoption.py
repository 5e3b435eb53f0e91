"""The self-service kiosk as a shopper meets it at 800x480, in French and English: a balance screen where
everything is reachable, names written the usual way, big keys, dates and numbers as the language writes
them, the header in the shopper's language, and the points about to expire in plain sight.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from central.backoffice.loyalty_terms import save_expiry
from central.ingest import ingest
from central.transactions import in_transaction
from device.sync.setup import build_worker
from loyalty.domain.events import PointsEarned
from loyalty.domain.expiry import ExpiryRule
from tests.browser.test_kiosk_screen import Screens, kiosk, make_kiosk  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {"welcome": "Bienvenue, Ines !", "zero": "0 point", "brand": "Carte de fidélité"},
    "en": {"welcome": "Welcome, Ines!", "zero": "0 points", "brand": "Loyalty card"},
}


@pytest.fixture(params=["fr", "en"])
def screens(request, browser, kiosk):
    opened = Screens(browser, kiosk, "fr")
    if request.param == "en":  # the shopper switches language on the screen itself
        opened.page.click("#lang-en")
    opened.lang = request.param
    yield opened
    opened.close()


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return found


def inside_screen(page, locator) -> bool:
    b = box(locator)
    size = page.viewport_size
    return (
        b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] and b["y"] + b["height"] <= size["height"]
    )


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def seed_history(kiosk, days_ago: int = 350) -> str:
    """Six earns at central for Ben, old enough to expire soon; the kiosk pulls the expiry setting."""
    earned_on = date.today() - timedelta(days=days_ago)
    earns = [
        PointsEarned(
            device_id="till-9",
            seq=n + 1,
            at=f"{earned_on.isoformat()}T10:0{n}:00+01:00",
            customer_id="demo-ben",
            receipt_ref=f"R-{n}",
            amount_cents=2000,
            points=20,
        )
        for n in range(6)
    ]
    in_transaction(
        kiosk.central.engine, lambda c: (save_expiry(c, "admin", ExpiryRule(365, 30)), ingest(c, earns, None))
    )
    worker = build_worker(kiosk.config, kiosk.service.store, reference=kiosk.service.reference.apply)
    assert worker.sync_once().last_error is None
    return earned_on.strftime("%d/%m/%Y")


def test_the_balance_screen_keeps_every_part_reachable_and_unhidden_at_800x480(screens, kiosk):
    seed_history(kiosk)
    screens.tap("B1B2C3D4")
    screens.page.bring_to_front()
    balance = screens.screen("balance")
    expect(balance.locator("#recent li")).to_have_count(5)
    page = screens.page
    finish, phone = balance.locator("button[data-end]"), balance.locator("#show-phone-card")
    assert inside_screen(page, finish) and inside_screen(page, phone)
    notice = balance.locator("#expiry-notice")  # seen at first sight, before any scrolling
    expect(notice).to_contain_text(re.compile(r"\d\d/\d\d/20\d\d"))
    assert inside_screen(page, notice)
    for row in balance.locator("#recent li").all():
        row.scroll_into_view_if_needed()
        assert inside_screen(page, row)
        assert not overlaps(box(row), box(finish)), row.inner_text()
        assert not overlaps(box(row), box(phone)), row.inner_text()
    dates = balance.locator("#recent small").all_inner_texts()
    assert dates and all(re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d", d) for d in dates), dates  # 21/12/2026 10:00
    weight, colour = notice.evaluate("e => [getComputedStyle(e).fontWeight, getComputedStyle(e).color]")
    assert int(weight) >= 700 and colour != "rgb(85, 85, 85)"  # said plainly, not in small grey text
    expect(page.locator(".k-brand")).to_have_text(WORDS[screens.lang]["brand"])


def test_a_name_typed_in_capitals_is_kept_the_usual_way_with_big_keys_and_zero_points_said_right(screens, kiosk):
    screens.tap("D00D0001")
    screens.page.bring_to_front()
    screens.screen("consent").locator("#accept-consent").click()
    register = screens.screen("register")
    for key in register.locator(".k-key").all():
        assert box(key)["height"] >= 44
    for key in "INES":
        register.locator(f".k-key[data-key='{key}']").click()
    register.locator("#register").click()
    balance = screens.screen("balance")
    expect(balance.locator("#greeting")).to_have_text(WORDS[screens.lang]["welcome"])
    expect(balance.locator(".k-points")).to_contain_text(WORDS[screens.lang]["zero"])
    if screens.lang == "fr":
        expect(balance.locator(".k-points")).not_to_contain_text("0 points")
    assert kiosk.service.store.customer_by_card("D00D0001").first_name == "Ines"
