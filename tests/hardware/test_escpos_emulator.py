"""The ESC/POS printer emulator: real-time status bytes, paper running out, cover, split byte streams."""

from __future__ import annotations

import pytest

from hardware.errors import PrinterOffline
from hardware.printer.escpos_emulator import EscPosPrinter
from hardware.printer.link import PrinterState
from hardware.printer.receipt import render_receipt
from tests.hardware.receipts import earn_receipt

DLE_EOT = b"\x10\x04"


def status(printer: EscPosPrinter) -> PrinterState:
    answers = printer.feed(DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x04")
    return PrinterState.from_bytes(*answers)


def test_status_bytes_follow_epson_layout():
    printer = EscPosPrinter()
    assert printer.feed(DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x04") == b"\x12\x12\x12"
    assert status(printer) == PrinterState(online=True, cover_open=False, paper_out=False, paper_near_end=False)
    printer.cover_open = True
    assert printer.feed(DLE_EOT + b"\x01" + DLE_EOT + b"\x02") == b"\x1a\x16"
    assert status(printer).cover_open and not status(printer).ready
    printer.cover_open = False
    printer.run_out_of_paper()
    assert printer.feed(DLE_EOT + b"\x04") == b"\x72"
    assert status(printer).paper_out


def test_paper_near_end_then_out_mid_receipt():
    printer = EscPosPrinter()
    printer.load_paper(lines=25)
    printer.feed(b"line\n" * 6)
    assert status(printer).paper_near_end and status(printer).ready
    data = render_receipt(earn_receipt())
    printer.feed(data)
    assert status(printer).paper_out
    (torn,) = printer.receipts
    assert not torn.complete and torn.text.count("\n") < 25
    assert printer.dropped_bytes > 0
    printer.load_paper()
    printer.feed(data)
    assert printer.receipts[-1].complete and printer.receipts[-1].data == data


def test_byte_stream_split_anywhere_gives_the_same_receipt():
    data = render_receipt(earn_receipt(training=True))
    whole = EscPosPrinter()
    whole.feed(data)
    for size in (1, 3, 7, 64):
        split = EscPosPrinter()
        for start in range(0, len(data), size):
            split.feed(data[start : start + size])
        assert split.receipts == whole.receipts


def test_nonsense_status_byte_is_offline():
    with pytest.raises(PrinterOffline, match="makes no sense"):
        PrinterState.from_bytes(0xFF, 0x12, 0x12)
