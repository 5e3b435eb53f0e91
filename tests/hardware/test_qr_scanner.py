"""Scanners: serial (pty) and keyboard wedge (input_event records) delivering payloads as events."""

from __future__ import annotations

import pytest

from hardware.errors import InvalidDeviceCommand
from hardware.events import ABSENT, OK, QR_SCANNED
from hardware.scanner import (
    EVENT,
    KeyboardWedgeScanner,
    PayloadAssembler,
    SerialScanner,
    SerialScannerEmulator,
    WedgeScannerEmulator,
    key_events,
)

PAYLOADS = ["https://fidelite.example.org/c/9F3A?x=1&y=Z", "LOYALTY:04A1B2C3D4E5F6"]


def scanned(recorder):
    return [e.payload for e in recorder.of(QR_SCANNED)]


@pytest.mark.parametrize("kind", ["serial", "wedge"])
def test_payloads_arrive_as_events(tmp_path, recorder, board, kind):
    if kind == "serial":
        emulator, driver = SerialScannerEmulator(tmp_path / "ttySCAN"), SerialScanner
    else:
        emulator, driver = WedgeScannerEmulator(tmp_path / "event-kbd"), KeyboardWedgeScanner
    emulator.plug()
    try:
        with driver(str(emulator.port), recorder, board):
            recorder.wait_for(lambda: board.get("scanner").state == OK)
            for payload in PAYLOADS:
                emulator.scan(payload)
            recorder.wait_for(lambda: scanned(recorder) == PAYLOADS)
            emulator.unplug()
            recorder.wait_for(lambda: board.get("scanner").state == ABSENT)
            emulator.plug()
            recorder.wait_for(lambda: board.get("scanner").state == OK)
            emulator.scan("AGAIN")
            recorder.wait_for(lambda: scanned(recorder)[-1:] == ["AGAIN"])
    finally:
        emulator.unplug()


def test_wedge_records_are_press_release_with_shift():
    records = key_events("A1")
    events = [EVENT.unpack_from(records, i)[2:] for i in range(0, len(records), EVENT.size)]
    keys = [e for e in events if e[0] == 1]
    assert keys == [(1, 42, 1), (1, 30, 1), (1, 30, 0), (1, 42, 0), (1, 2, 1), (1, 2, 0), (1, 28, 1), (1, 28, 0)]
    with pytest.raises(InvalidDeviceCommand):
        key_events("é")


def test_assembler_drops_runaway_and_blank_lines():
    got = []
    assembler = PayloadAssembler(got.append)
    assembler.add("\r\n  \nabc\r")
    assembler.add("x" * 5000 + "\n")
    assembler.add("ok\n")
    assert got == ["abc", "ok"]


def test_input_event_is_24_bytes_on_64_bit_and_16_on_armhf():
    import struct

    from hardware.scanner import input_event_layout

    assert input_event_layout(64).size == 24 and input_event_layout(32).size == 16
    assert EVENT.size == struct.calcsize("@llHHi")  # this machine's C layout (two longs, two shorts, an int)


@pytest.mark.parametrize("word_bits", [64, 32])
def test_a_wedge_scan_decodes_with_each_architectures_layout(tmp_path, recorder, board, word_bits):
    from hardware.scanner import input_event_layout

    layout = input_event_layout(word_bits)

    class Scanner(KeyboardWedgeScanner):
        event = layout

    emulator = WedgeScannerEmulator(tmp_path / "event-kbd", layout)
    emulator.plug()
    try:
        with Scanner(str(emulator.port), recorder, board):
            recorder.wait_for(lambda: board.get("scanner").state == OK)
            emulator.scan(PAYLOADS[0])
            recorder.wait_for(lambda: scanned(recorder) == [PAYLOADS[0]])
    finally:
        emulator.unplug()
