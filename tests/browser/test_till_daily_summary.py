"""The till's « Imprimer le résumé du jour » button in Chromium at 800x480: a manager prints the store's day made
by a real central on the emulated printer; a cashier has no button; paper out and an absent central are said."""

from __future__ import annotations

import socket
from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from central.ingest import ingest
from central.transactions import in_transaction
from device.sync.client import CentralClient
from loyalty.domain.events import CustomerRegistered, PointsEarned
from tests.browser.backoffice_fixtures import running_central  # noqa: F401  (fixture)
from tests.browser.test_till_flows import (  # noqa: F401  (fixtures)
    KNOWN,
    key_amount,
    no_overflow,
    served,
    sign_in,
    tabs,
    tap,
    till_service,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def summary_from_central(running_central, till_service):  # noqa: F811
    """The till asks a real central for its day, with its own device token; central holds one sale of it."""
    device_id = till_service.config.device.id
    at = datetime.now().astimezone().isoformat(timespec="seconds")
    in_transaction(
        running_central.engine,
        lambda c: ingest(
            c,
            [
                CustomerRegistered(
                    device_id=device_id, cashier_id="marc", at=at, customer_id="c1", first_name="Invented", seq=1
                ),
                PointsEarned(
                    device_id=device_id,
                    cashier_id="marc",
                    at=at,
                    customer_id="c1",
                    receipt_ref="R1",
                    amount_cents=4790,
                    points=47,
                    seq=2,
                ),
            ],
            None,
        ),
    )
    client = CentralClient(running_central.url, running_central.enrol_device(device_id), timeout_s=5)
    till_service.till.daily_summary_source = client.daily_summary
    yield client
    client.close()


def _printed_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_a_manager_prints_todays_summary_from_central(
    tabs,
    served,
    till_service,
    summary_from_central,  # noqa: F811
    tmp_path,
):
    till, panel = tabs
    sign_in(till, served, "marc", "5678")  # Marc works in English
    key_amount(till, "1200")
    tap(tabs, KNOWN)  # a customer on the screen too
    expect(till.locator("#customer-points")).to_have_text("52")
    button = till.locator("#daily-summary")
    expect(button).to_have_text("Print today's summary")
    box = button.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48 and box["y"] + box["height"] <= 480
    assert box["height"] == till.locator("#reprint").bounding_box()["height"]  # the tools keep their rows
    button.click()
    expect(till.locator("#message")).to_have_text("Today's summary is printed.", timeout=10_000)
    assert no_overflow(till)
    expected = summary_from_central.daily_summary(date.today().isoformat(), "en")
    assert "47" in expected
    printed = till_service.devices.emulators.receipt_texts()
    assert len(printed) == 2 and _printed_lines(printed[-1]) == _printed_lines(expected)  # after the sale's receipt
    panel.bring_to_front()
    expect(panel.locator("#receipts .receipt").nth(1)).to_be_attached()  # at least two; no eval under the CSP
    till.bring_to_front()
    till.click("a.lang:text('FR')")
    expect(till.locator("#daily-summary")).to_have_text("Imprimer le résumé du jour")
    till.screenshot(path=str(tmp_path / "till-summary-800x480.png"))
    assert no_overflow(till)
    till.locator("#daily-summary").click()
    expect(till.locator("#message")).to_have_text("Le résumé du jour est imprimé.", timeout=10_000)
    french = _printed_lines(summary_from_central.daily_summary(date.today().isoformat(), "fr"))
    assert _printed_lines(till_service.devices.emulators.receipt_texts()[-1]) == french


def test_a_cashier_has_no_summary_button(tabs, served, till_service, summary_from_central):  # noqa: F811
    till, _ = tabs
    sign_in(till, served)  # Alice, cashier
    expect(till.locator("#training")).to_be_visible()
    expect(till.locator("#daily-summary")).to_have_count(0)
    assert no_overflow(till)


def test_printer_out_of_paper_is_said_and_the_summary_follows_the_paper(
    tabs,
    served,
    till_service,  # noqa: F811
    summary_from_central,
    tmp_path,
):
    till, panel = tabs
    sign_in(till, served, "marc", "5678")
    till.click("a.lang:text('FR')")
    expect(till.locator("#daily-summary")).to_be_visible()
    panel.bring_to_front()
    panel.click("#paper-out")
    till.bring_to_front()
    expect(till.locator("#printer")).to_be_visible()
    till.locator("#daily-summary").click()
    expect(till.locator("#message")).to_have_text("Plus de papier : le résumé sortira avec le papier.")
    till.screenshot(path=str(tmp_path / "till-summary-paper-out-800x480.png"))
    assert no_overflow(till)
    assert till_service.devices.emulators.receipt_texts() == []
    panel.bring_to_front()
    panel.click("#paper-back")
    till.bring_to_front()
    expect(till.locator("#message")).to_have_text("Le résumé du jour est imprimé.", timeout=15_000)
    expected = _printed_lines(summary_from_central.daily_summary(date.today().isoformat(), "fr"))
    assert [_printed_lines(t) for t in till_service.devices.emulators.receipt_texts()] == [expected]


def test_central_unreachable_is_said_calmly(tabs, served, till_service):  # noqa: F811
    with socket.socket() as probe:  # a port that was free a moment ago: nothing answers there
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    client = CentralClient(f"http://127.0.0.1:{dead_port}", "token-of-an-enrolled-device", timeout_s=1)
    till_service.till.daily_summary_source = client.daily_summary
    till, _ = tabs
    try:
        sign_in(till, served, "marc", "5678")
        till.locator("#daily-summary").click()
        expect(till.locator("#message")).to_have_text(
            "Central cannot be reached right now, so there is no summary to print; try again later."
        )
        assert till_service.devices.jobs() == []
    finally:
        client.close()
