"""A phone card QR at the till: verified offline with central's public key, then exactly like a tap."""

import time

import pytest

from loyalty import phonecard
from loyalty.domain.events import PointsEarned
from loyalty.errors import PhoneCodeExpired, PhoneCodeInvalid, PhoneCodeRefused, PhoneCodeReplayed

KNOWN = "A0000004"


@pytest.fixture
def key():
    return phonecard.new_private_key()


@pytest.fixture
def phone_till(till, key):
    till.phone_verifier = phonecard.PhoneCardVerifier.from_text(phonecard.public_key_text(key))
    return till


def test_a_signed_code_credits_the_sale_like_a_tap(phone_till, key):
    now = time.time()
    phone_till.start_sale({"general": 1000})
    result = phone_till.qr_presented(phonecard.sign_code(key, KNOWN, now), now=now)
    assert (result["customer"]["first_name"], result["points"]) == ("Prénom4", 10)
    assert [e.card_uid for e in phone_till.store.pending() if isinstance(e, PointsEarned)] == [KNOWN]


def test_forged_expired_and_replayed_codes_are_refused_on_screen(phone_till, key):
    now = time.time()
    forger = phonecard.new_private_key()  # anyone can make a key; only central's verifies
    code = phonecard.sign_code(key, KNOWN, now)
    with phone_till.bus.subscribe() as screen:
        with pytest.raises(PhoneCodeInvalid):
            phone_till.qr_presented(phonecard.sign_code(forger, KNOWN, now), now=now)
        with pytest.raises(PhoneCodeExpired):
            phone_till.qr_presented(phonecard.sign_code(key, KNOWN, now - 600), now=now)
        phone_till.qr_presented(code, now=now)
        with pytest.raises(PhoneCodeReplayed):
            phone_till.qr_presented(code, now=now + 1)
        with pytest.raises(PhoneCodeInvalid):
            phone_till.qr_presented("https://example.org/c/" + KNOWN, now=now)  # a bare card number is no proof
        errors = [m.data for m in iter(lambda: screen.get(0.2), None) if m.data.get("event") == "error"]
    assert len(errors) == 4


def test_a_till_without_the_key_refuses_phone_codes(till, key):
    with pytest.raises(PhoneCodeRefused, match="not set up"):
        till.qr_presented(phonecard.sign_code(key, KNOWN, time.time()))
