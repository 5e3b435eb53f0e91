"""The till shows a member's pool next to their own points and prints the pool's balance on their receipts."""

from __future__ import annotations

from hardware.printer.escpos_emulator import EscPosPrinter
from hardware.printer.receipt import render_receipt
from loyalty.domain.snapshot import PoolBalanceState, PoolMemberState, PulledBatch
from tests.till.test_till_expiry_notice import PrintedReceipts


def _printed_text(till, devices) -> list[str]:
    till._effects.submit(lambda: None).result()  # wait for the follow-ups
    printer = EscPosPrinter()
    printer.feed(render_receipt(devices.printed[-1]))
    return printer.receipts[-1].text.splitlines()


def test_a_members_earn_refund_and_pool_redemption_print_the_pool_balance(till):
    till.live_store.apply_batch(
        PulledBatch(
            cursor=1,
            pool_members=(PoolMemberState("cust-00001", "famille-a", 50),),
            pool_balances=(PoolBalanceState("famille-a", 61),),
        )
    )
    devices = PrintedReceipts()
    till.devices = devices
    shown = till.card_presented("A0000001")["customer"]
    assert shown["pool"] == {"pool_id": "famille-a", "points": 61, "members": 1, "share_pct": 50}
    till.start_sale({"general": 4500}, receipt_ref="R1")
    earned = till.card_presented("A0000001")
    assert earned["customer"]["pool"]["points"] == 83 and earned["customer"]["points"] == 10 + 23
    assert any(line.startswith("Cagnotte commune") and line.endswith("83 pts") for line in _printed_text(till, devices))
    till.redeem("coffee", from_pool=True)
    assert any(line.endswith("33 pts") for line in _printed_text(till, devices) if line.startswith("Cagnotte"))
    assert till.snapshot()["can_undo"] is False  # a pool's redemption is not undone at the till
    refunded = till.refund("R1")
    assert refunded["points"] == 23 and refunded["customer"]["points"] == 10  # her part; the pool gives back 22
    text = _printed_text(till, devices)
    assert any(line.endswith("11 pts") for line in text if line.startswith("Cagnotte"))


def test_a_customer_in_no_pool_gets_no_pool_line(till):
    devices = PrintedReceipts()
    till.devices = devices
    till.start_sale({"general": 1000}, receipt_ref="R2")
    assert till.card_presented("A0000002")["customer"]["pool"] is None
    assert not any(line.startswith("Cagnotte") for line in _printed_text(till, devices))
