"""Phone card codes: valid in their minute only, refused when altered, forged with another key or replayed."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.config import parse_config
from device.sync.phone_codes import verifier_from_config
from loyalty import phonecard
from loyalty.errors import ConfigError, PhoneCodeExpired, PhoneCodeInvalid, PhoneCodeReplayed

KEY = phonecard.new_private_key()
PUBLIC = KEY.public_key()
T0 = 1_800_000_000.0  # a minute boundary (divisible by 60)


def test_a_fresh_code_identifies_its_card_once():
    verifier = phonecard.PhoneCardVerifier(PUBLIC)
    code = phonecard.sign_code(KEY, "04A1B2C3D4", T0 + 5)
    assert verifier.identify_qr(code, T0 + 6) == "04A1B2C3D4"
    with pytest.raises(PhoneCodeReplayed, match="already used"):
        verifier.identify_qr(code, T0 + 7)


def test_a_scanner_line_end_is_ignored():
    code = phonecard.sign_code(KEY, "04A1", T0)
    assert phonecard.verify_code(f" {code}\r\n", PUBLIC, T0).card_uid == "04A1"


def test_code_is_compact_enough_for_a_small_qr():
    assert len(phonecard.sign_code(KEY, "04A1B2C3D4E5F6", T0)) < 140


@pytest.mark.parametrize(
    "offset, ok",
    [(0, True), (59, True), (-30, True), (89.9, True), (-30.1, False), (90, False), (600, False), (-840, False)],
)
def test_valid_during_its_minute_plus_skew(offset, ok):
    code = phonecard.sign_code(KEY, "04A1", T0)
    if ok:
        assert phonecard.verify_code(code, PUBLIC, T0 + offset, skew_s=30).card_uid == "04A1"
    else:
        with pytest.raises(PhoneCodeExpired, match="expired"):
            phonecard.verify_code(code, PUBLIC, T0 + offset, skew_s=30)


def test_an_expired_code_is_refused_even_on_a_device_that_never_saw_it():
    verifier = phonecard.PhoneCardVerifier(PUBLIC, skew_s=10)
    old = phonecard.sign_code(KEY, "04A1", T0)
    with pytest.raises(PhoneCodeExpired):
        verifier.identify_qr(old, T0 + 120)
    assert len(verifier.replays) == 0


def test_each_minute_gives_a_new_code_and_both_count_once():
    verifier = phonecard.PhoneCardVerifier(PUBLIC)
    first, second = phonecard.sign_code(KEY, "04A1", T0), phonecard.sign_code(KEY, "04A1", T0 + 60)
    assert first != second
    assert verifier.identify_qr(first, T0 + 59) == verifier.identify_qr(second, T0 + 61) == "04A1"


def test_replay_memory_forgets_codes_once_they_expire():
    guard = phonecard.ReplayGuard(skew_s=30)
    code = phonecard.verify_code(phonecard.sign_code(KEY, "04A1", T0), PUBLIC, T0)
    guard.accept(code, T0)
    assert len(guard) == 1
    guard.accept(phonecard.verify_code(phonecard.sign_code(KEY, "04A2", T0 + 100), PUBLIC, T0 + 100), T0 + 100)
    assert len(guard) == 1


def test_a_code_signed_with_another_key_is_refused():
    forged = phonecard.sign_code(phonecard.new_private_key(), "04A1", T0)
    with pytest.raises(PhoneCodeInvalid, match="altered or forged"):
        phonecard.verify_code(forged, PUBLIC, T0)


def _raw(code: str) -> bytearray:
    text = code[len(phonecard.PREFIX) :]
    return bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _wire(raw: bytes) -> str:
    return phonecard.PREFIX + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_changing_any_byte_is_refused():
    code = phonecard.sign_code(KEY, "04A1B2C3", T0)
    raw = _raw(code)
    for index in range(len(raw)):
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        with pytest.raises(PhoneCodeInvalid):
            phonecard.verify_code(_wire(tampered), PUBLIC, T0)


def test_moving_a_code_to_another_minute_or_card_breaks_its_signature():
    raw = _raw(phonecard.sign_code(KEY, "04A1", T0))
    raw[1:5] = int(T0 // 60 + 10).to_bytes(4, "big")
    with pytest.raises(PhoneCodeInvalid):
        phonecard.verify_code(_wire(raw), PUBLIC, T0 + 600)
    raw = _raw(phonecard.sign_code(KEY, "04A1", T0))
    raw[14:18] = b"04A2"
    with pytest.raises(PhoneCodeInvalid):
        phonecard.verify_code(_wire(raw), PUBLIC, T0)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "LC1.",
        "LC1.!!!!",
        "LC1." + "A" * 400,
        "https://example.org",
        "LC2." + phonecard.sign_code(KEY, "04A1", T0)[4:],
        None,
        42,
    ],
)
def test_other_payloads_are_not_loyalty_codes(payload):
    with pytest.raises(PhoneCodeInvalid, match="not a"):
        phonecard.verify_code(payload, PUBLIC, T0)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_refused_cleanly(text):
    with pytest.raises(PhoneCodeInvalid):
        phonecard.verify_code(text, PUBLIC, T0)


@settings(max_examples=100, deadline=None)
@given(uid=st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=64), t=st.floats(0, 4e9))
def test_every_card_and_time_round_trips(uid, t):
    assert phonecard.verify_code(phonecard.sign_code(KEY, uid, t), PUBLIC, t).card_uid == uid


def test_device_config_holds_only_the_public_key():
    text = phonecard.public_key_text(KEY)
    config = parse_config({"phonecard": {"public_key": text, "skew_s": 20}})
    verifier = verifier_from_config(config)
    assert verifier.skew_s == 20 and len(text) == 43
    assert verifier.identify_qr(phonecard.sign_code(KEY, "04A1", T0), T0) == "04A1"
    assert verifier_from_config(parse_config({})) is None
    with pytest.raises(ConfigError, match="43-character"):
        verifier_from_config(parse_config({"phonecard": {"public_key": "short"}}))
    with pytest.raises(ConfigError, match="skew_s"):
        parse_config({"phonecard": {"skew_s": 600}})


def test_a_long_uid_is_refused_when_signing():
    with pytest.raises(PhoneCodeInvalid):
        phonecard.sign_code(KEY, "X" * 65, T0)
