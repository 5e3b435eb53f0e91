"""The poll loop with the real `mfrc522` package driving the register-level emulator."""

from __future__ import annotations

import time

import pytest

from hardware.errors import ReaderError
from hardware.events import ABSENT, CARD_REMOVED, CARD_TAPPED, ERROR, OK
from hardware.rfid.emulated import EmulatedReaderBoard
from hardware.rfid.reader import NoAnswer, ReaderSettings, RfidReader
from tests.hardware.conftest import wait_turns
from tests.waiting import wait_until

FAST = ReaderSettings(
    poll_interval_s=0.02, absent_polls=3, call_deadline_s=0.3, reinit_interval_s=0.2, reopen_interval_s=0.2
)


@pytest.fixture
def emulated():
    return EmulatedReaderBoard()


@pytest.fixture
def reader(emulated, recorder, board):
    with RfidReader(emulated.open_link, recorder, board, FAST) as running:
        recorder.wait_for(lambda: board.get("reader").state == OK)
        yield running


def taps(recorder):
    return [e.uid for e in recorder.of(CARD_TAPPED)]


def removals(recorder):
    return [e.uid for e in recorder.of(CARD_REMOVED)]


def test_package_is_the_real_one_bound_to_the_emulator(emulated):
    assert emulated.package.__file__.endswith("mfrc522/MFRC522.py")
    link = emulated.open_link()
    assert link.healthy()
    assert emulated.chip.transfers > 0


@pytest.mark.parametrize("uid", ["DEADBEEF", "04A1B2C3D4E5F6"])
def test_both_uid_sizes(reader, emulated, recorder, uid):
    emulated.present(uid)
    recorder.wait_for(lambda: taps(recorder) == [uid])
    emulated.remove()
    recorder.wait_for(lambda: removals(recorder) == [uid])


def test_held_card_is_one_tap(reader, emulated, recorder):
    emulated.present("04A1B2C3D4E5F6")
    recorder.wait_for(lambda: taps(recorder))
    wait_turns(reader, 25)  # 25 polls with the card still there
    assert taps(recorder) == ["04A1B2C3D4E5F6"]
    assert removals(recorder) == []


def test_quick_double_tap_is_one_event(reader, emulated, recorder):
    card = emulated.present("DEADBEEF")
    recorder.wait_for(lambda: taps(recorder))
    emulated.chip.remove(card)
    wait_turns(reader, 1)  # one poll without the card, fewer than absent_polls: a bounce
    emulated.chip.present(card)
    wait_turns(reader, 15)
    assert taps(recorder) == ["DEADBEEF"]
    assert removals(recorder) == []


def test_tap_again_after_a_real_removal_is_a_second_event(reader, emulated, recorder):
    emulated.present("DEADBEEF")
    recorder.wait_for(lambda: taps(recorder))
    emulated.remove()
    recorder.wait_for(lambda: removals(recorder))
    emulated.present("DEADBEEF")
    recorder.wait_for(lambda: len(taps(recorder)) == 2)


def test_card_swap(reader, emulated, recorder):
    emulated.present("DEADBEEF")
    recorder.wait_for(lambda: taps(recorder))
    emulated.present("04A1B2C3D4E5F6")  # the first card is taken off as the second goes on
    recorder.wait_for(lambda: taps(recorder) == ["DEADBEEF", "04A1B2C3D4E5F6"])
    assert removals(recorder) == ["DEADBEEF"]


@pytest.mark.parametrize("fault", ["silent", "garbage", "slow", "brownout"])
def test_failing_chip_gives_error_then_recovers_within_two_seconds(reader, emulated, recorder, board, fault):
    emulated.present("DEADBEEF")
    recorder.wait_for(lambda: taps(recorder))
    emulated.chip.set_fault(fault)
    if fault != "brownout":
        recorder.wait_for(lambda: board.get("reader").state == ERROR, timeout=3)
        emulated.chip.set_fault(None)
    healed = time.monotonic()
    recorder.wait_for(lambda: board.get("reader").state == OK and reader.reinits >= 2, timeout=3)
    assert time.monotonic() - healed < 2.0
    wait_turns(reader, 10)
    assert taps(recorder) == ["DEADBEEF"]  # the card stayed: still one tap
    emulated.remove()
    recorder.wait_for(lambda: removals(recorder) == ["DEADBEEF"])


def test_slow_chip_never_blocks_the_caller(emulated, recorder, board):
    emulated.chip.set_fault("slow")
    started = time.monotonic()
    reader = RfidReader(emulated.open_link, recorder, board, FAST)
    reader.start()
    assert time.monotonic() - started < 0.1
    recorder.wait_for(lambda: board.get("reader").state == ERROR)
    reader.close()
    assert reader.closed and not reader.alive


def test_bus_missing_tells_what_to_enable(emulated, recorder, board):
    emulated.unplug()
    with pytest.raises(ReaderError, match="Turn SPI on"):
        emulated.open_link()
    with RfidReader(emulated.open_link, recorder, board, FAST):
        recorder.wait_for(lambda: board.get("reader").state == ABSENT)
        assert "spidev0.0" in board.get("reader").detail
        emulated.replug()
        recorder.wait_for(lambda: board.get("reader").state == OK)
        emulated.present("DEADBEEF")
        recorder.wait_for(lambda: taps(recorder) == ["DEADBEEF"])


def test_permission_denied_names_the_group(emulated):
    emulated.spi_bus.denied.add((0, 0))
    with pytest.raises(ReaderError, match="'spi' and 'gpio' groups"):
        emulated.open_link()


def test_callback_failure_does_not_stop_the_loop(emulated, board):
    seen = []

    def explode(event):
        seen.append(event)
        raise RuntimeError("service bug")

    from hardware.events import safe_sink

    with RfidReader(emulated.open_link, safe_sink(explode), board, FAST) as reader:
        emulated.present("DEADBEEF")
        wait_until(lambda: any(e.kind == CARD_TAPPED for e in seen), 3)
        emulated.remove()
        wait_until(lambda: any(e.kind == CARD_REMOVED for e in seen), 3)
        assert reader.alive
    assert [e.kind for e in seen if e.kind in (CARD_TAPPED, CARD_REMOVED)] == [CARD_TAPPED, CARD_REMOVED]


def test_package_reads_blocks_and_pages_through_the_emulator(emulated):
    link = emulated.open_link()
    chip = link.chip
    emulated.present("DEADBEEF")
    assert chip.MFRC522_Request(chip.PICC_REQIDL)[0] == chip.MI_OK
    status, uid = chip.MFRC522_Anticoll()
    assert status == chip.MI_OK and chip.MFRC522_SelectTag(uid) == 0x08
    assert chip.MFRC522_Read(4) is None  # not authenticated yet
    assert chip.MFRC522_Auth(chip.PICC_AUTHENT1A, 0, [0xFF] * 6, uid) == chip.MI_OK
    assert chip.MFRC522_Read(0)[:5] == [0xDE, 0xAD, 0xBE, 0xEF, 0xDE ^ 0xAD ^ 0xBE ^ 0xEF]
    chip.MFRC522_StopCrypto1()
    with pytest.raises(NoAnswer):  # wrong key: the card stays silent until the chip's timer runs out
        chip.MFRC522_Auth(chip.PICC_AUTHENT1A, 4, [0x00] * 6, uid)

    emulated.present("04A1B2C3D4E5F6")
    assert link.read_uid() == bytes.fromhex("04A1B2C3D4E5F6")  # leaves the tag halted
    assert chip.MFRC522_Request(chip.PICC_REQALL)[0] == chip.MI_OK
    status, cl1 = chip.MFRC522_Anticoll()
    chip.MFRC522_SelectTag(cl1)
    link._transceive([0x95, 0x20])
    cl2 = [0xC3, 0xD4, 0xE5, 0xF6, 0xC3 ^ 0xD4 ^ 0xE5 ^ 0xF6]
    assert link._transceive(link._with_crc([0x95, 0x70, *cl2]))[2] == 24
    page0 = chip.MFRC522_Read(0)  # NTAG pages 0-3: UID, check bytes, CC
    assert page0[:3] == [0x04, 0xA1, 0xB2] and page0[4:8] == cl2[:4] and page0[12:16] == [0xE1, 0x10, 0x12, 0x00]


def test_idle_poll_stops_at_the_chip_timer_instead_of_spinning(emulated):
    link = emulated.open_link()
    before = emulated.chip.transfers
    assert link.read_uid() is None
    assert emulated.chip.transfers - before < 30  # the package alone reads ComIrqReg 2000 times here
    raw = emulated.package.MFRC522.__new__(emulated.package.MFRC522)
    raw.spi = link.spi.inner
    before = emulated.chip.transfers
    assert raw.MFRC522_Request(raw.PICC_REQALL)[0] == raw.MI_ERR
    assert emulated.chip.transfers - before > 2000
