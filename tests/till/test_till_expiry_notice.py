"""The till's receipts say how many points expire soon, from the lots pulled into the store and central's
expiry setting; nothing is printed without the setting or when nothing expires within the notice."""

from __future__ import annotations

from datetime import date, timedelta

from hardware.printer.escpos_emulator import EscPosPrinter
from hardware.printer.receipt import render_receipt
from loyalty.domain.snapshot import CentralSetting, CustomerState, PulledBatch

EXPIRY = CentralSetting("expiry", '{"after_days": 365, "notice_days": 30}')


class PrintedReceipts:
    """Devices that keep what the till prints."""

    emulators = None

    def __init__(self):
        self.printed = []

    def print(self, receipt):
        self.printed.append(receipt)
        return receipt.receipt_id

    def signal(self, pattern):
        pass


def _pull_old_lot(till, days_ago: int) -> date:
    earned_on = date.today() - timedelta(days=days_ago)
    till.live_store.apply_batch(
        PulledBatch(
            cursor=2,
            customers=(
                CustomerState(
                    "cust-00004",
                    40,
                    "Prénom4",
                    "Exemple",
                    email="client4@example.org",
                    lots=((earned_on.isoformat(), 40),),
                ),
            ),
        )
    )
    return earned_on


def _sale_receipt(till, devices):
    till.start_sale({"general": 1234})
    till.card_presented("A0000004")
    till._effects.submit(lambda: None).result()  # wait for the follow-ups
    return devices.printed[-1]


def test_an_earn_receipt_prints_the_points_expiring_within_the_notice(till):
    devices = PrintedReceipts()
    till.devices = devices
    till.reference.apply(PulledBatch(cursor=1, settings=(EXPIRY,)))
    earned_on = _pull_old_lot(till, 350)
    receipt = _sale_receipt(till, devices)
    goes_on = (earned_on + timedelta(days=365)).strftime("%d/%m/%Y")
    assert (receipt.points_earned, receipt.balance) == (12, 52)
    assert (receipt.expiring_points, receipt.expiring_from) == (40, goes_on)
    printer = EscPosPrinter()
    printer.feed(render_receipt(receipt))
    assert f"Expirent à partir du {goes_on}         40" in printer.receipts[0].text.splitlines()
    till.refund(receipt.reference, 1234)  # the refund takes back today's points, not the old ones
    till._effects.submit(lambda: None).result()
    assert devices.printed[-1].expiring_points == 40


def test_no_notice_without_the_setting_or_when_nothing_expires_soon(till):
    devices = PrintedReceipts()
    till.devices = devices
    _pull_old_lot(till, 350)
    assert _sale_receipt(till, devices).expiring_points == 0  # no expiry setting from central
    till.reference.apply(PulledBatch(cursor=1, settings=(EXPIRY,)))
    _pull_old_lot(till, 300)  # goes in 65 days: outside the 30 days' notice
    assert _sale_receipt(till, devices).expiring_points == 0


def test_the_till_screen_gets_the_notice_with_the_customer(till):
    till.reference.apply(PulledBatch(cursor=1, settings=(EXPIRY,)))
    assert till.card_presented("A0000004")["customer"]["expiring"] is None
    earned_on = _pull_old_lot(till, 340)
    goes_on = (earned_on + timedelta(days=365)).strftime("%d/%m/%Y")
    assert till.card_presented("A0000004")["customer"]["expiring"] == {"points": 40, "day": goes_on}
