"""Cashier PINs: never stored in clear, verified in constant time, locked out after repeated failures."""

import pytest

from kiosk.cashiers import Cashier, PinGuard, hash_pin, verify_pin
from kiosk.errors import SignInRefused
from tests.factories import ManualClock


def test_pin_hash_is_salted_and_verifies():
    first, second = hash_pin("1234"), hash_pin("1234")
    assert first != second and "1234" not in first
    assert verify_pin("1234", first) and verify_pin("1234", second)
    assert not verify_pin("1235", first)
    assert not verify_pin("1234", "garbage")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "١٢٣٤"])
def test_pin_format(pin):
    with pytest.raises(SignInRefused):
        hash_pin(pin)


def test_lockout_after_five_failures_then_growing():
    clock, guard, good = ManualClock(), None, hash_pin("4321")
    guard = PinGuard(clock=clock)
    for _ in range(4):
        with pytest.raises(SignInRefused, match="tries left"):
            guard.check("alice", "0000", good)
    with pytest.raises(SignInRefused, match="locked for 60 s"):
        guard.check("alice", "0000", good)
    with pytest.raises(SignInRefused, match="try again"):
        guard.check("alice", "4321", good)  # even the right PIN waits out the lock
    guard.check("bob", "4321", good)  # another cashier is not affected
    clock.now += 61
    for _ in range(4):
        with pytest.raises(SignInRefused):
            guard.check("alice", "0000", good)
    with pytest.raises(SignInRefused, match="locked for 120 s"):
        guard.check("alice", "0000", good)
    clock.now += 121
    guard.check("alice", "4321", good)


def test_device_wide_rate_limit_stops_trying_pins_across_accounts():
    clock, good = ManualClock(), hash_pin("4321")
    guard = PinGuard(device_limit=10, clock=clock)
    for n in range(10):
        with pytest.raises(SignInRefused, match="wrong PIN"):
            guard.check(f"cashier-{n}", "0000", good)
    with pytest.raises(SignInRefused, match="too many PIN attempts"):
        guard.check("cashier-x", "4321", good)
    clock.now += 61
    guard.check("cashier-x", "4321", good)


def test_unknown_cashier_counts_as_a_failure():
    guard = PinGuard(clock=ManualClock())
    with pytest.raises(SignInRefused, match="wrong PIN"):
        guard.check("nobody", "1234", None)


def test_roles_and_capture_modes_are_checked():
    with pytest.raises(ValueError):
        Cashier("c", "Alice", "boss", hash_pin("1234"))
    with pytest.raises(ValueError):
        Cashier("c", "Alice", "cashier", hash_pin("1234"), capture_mode="always")
