"""ISO 14443-A card model: CRC_A, BCC and the card state machine, checked against published values."""

import pytest

from hardware.rfid.iso14443 import HALTED, READY, bcc, card_for_uid, crc_a


def test_crc_a_matches_iso14443_examples():
    # ISO/IEC 14443-3 Annex B: CRC_A of 0x00 0x00 is 0xA0 0x1E; of 0x12 0x34 is 0x26 0xCF.
    assert crc_a(b"\x00\x00") == b"\xa0\x1e"
    assert crc_a(b"\x12\x34") == b"\x26\xcf"
    # HALT frame: 50 00 57 CD, as seen on every MIFARE trace.
    assert crc_a(b"\x50\x00") == b"\x57\xcd"


def test_card_kind_follows_uid_size():
    assert card_for_uid("DEADBEEF").sak == 0x08
    assert card_for_uid("04:A1:B2:C3:D4:E5:F6").atqa == b"\x44\x00"
    with pytest.raises(ValueError, match="8 hex digits"):
        card_for_uid("0102")
    with pytest.raises(ValueError, match="not hexadecimal"):
        card_for_uid("XYZ")


def test_double_size_uid_needs_two_cascade_levels():
    card = card_for_uid("04A1B2C3D4E5F6")
    assert card.receive(b"\x26", 7).data == b"\x44\x00"
    assert card.state == READY
    cl1 = card.receive(b"\x93\x20", 0).data
    assert cl1 == bytes([0x88, 0x04, 0xA1, 0xB2, 0x88 ^ 0x04 ^ 0xA1 ^ 0xB2])
    frame = b"\x93\x70" + cl1
    sak = card.receive(frame + crc_a(frame), 0).data
    assert sak[0] & 0x04  # UID not complete
    cl2 = card.receive(b"\x95\x20", 0).data
    assert cl2[:4] == bytes.fromhex("C3D4E5F6") and cl2[4] == bcc(cl2[:4])
    frame = b"\x95\x70" + cl2
    assert card.receive(frame + crc_a(frame), 0).data[0] == 0x00


def test_halted_card_answers_wupa_only():
    card = card_for_uid("DEADBEEF")
    card.receive(b"\x52", 7)
    frame = b"\x93\x70" + card.receive(b"\x93\x20", 0).data
    card.receive(frame + crc_a(frame), 0)
    assert card.receive(b"\x50\x00" + crc_a(b"\x50\x00"), 0) is None
    assert card.state == HALTED
    assert card.receive(b"\x26", 7) is None
    assert card.receive(b"\x52", 7).data == b"\x04\x00"


def test_select_with_bad_crc_is_ignored():
    card = card_for_uid("DEADBEEF")
    card.receive(b"\x26", 7)
    frame = b"\x93\x70" + card.receive(b"\x93\x20", 0).data
    assert card.receive(frame + b"\x00\x00", 0) is None
