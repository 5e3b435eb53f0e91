"""Cashier PINs: never stored in clear, verified in constant time, locked out after repeated failures."""

import pytest

from loyalty.cashiers import Cashier, PinGuard, hash_pin, verify_pin
from loyalty.errors import SignInLocked, SignInRefused
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


def test_lockout_after_five_failures_then_growing_to_half_a_minute():
    clock, guard, good = ManualClock(), None, hash_pin("4321")
    guard = PinGuard(clock=clock)
    for _ in range(4):
        with pytest.raises(SignInRefused, match="tries left") as refused:
            guard.check("alice", "0000", good)
        assert not isinstance(refused.value, SignInLocked)  # a wrong PIN, not yet a lock
    with pytest.raises(SignInLocked, match="locked for 5 s"):
        guard.check("alice", "0000", good)
    with pytest.raises(SignInLocked, match="try again"):
        guard.check("alice", "4321", good)  # even the right PIN waits out the lock
    guard.check("bob", "4321", good)  # another cashier is not affected
    waits = []
    for _ in range(5):
        clock.now += 31
        with pytest.raises(SignInLocked, match="locked for") as refused:
            guard.check("alice", "0000", good)
        waits.append(int(str(refused.value).split("locked for ")[1].split()[0]))
    assert waits == [10, 20, 30, 30, 30]  # doubling, never more than half a minute
    clock.now += 31
    guard.check("alice", "4321", good)


def test_a_stranger_cannot_lock_the_till():
    """Twenty, or two hundred, wrong PINs across every cashier: each right PIN still works at most 30 s later."""
    clock, good = ManualClock(), hash_pin("4321")
    guard = PinGuard(clock=clock)
    cashiers = [f"cashier-{n}" for n in range(10)]
    for _ in range(20):
        for cashier in cashiers:
            try:
                guard.check(cashier, "0000", good)
            except SignInRefused:
                pass
    clock.now += 31
    for cashier in cashiers:
        guard.check(cashier, "4321", good)


def test_a_guesser_locks_only_their_own_address():
    clock, good = ManualClock(), hash_pin("4321")
    guard = PinGuard(max_failures=5, base_lock_s=60, max_lock_s=900, account_cap_s=30, clock=clock)
    for _ in range(8):
        try:
            guard.check("anna", "0000", good, source="203.0.113.9")
        except SignInRefused:
            pass
        clock.now += 1
    with pytest.raises(SignInLocked, match="try again"):
        guard.check("anna", "4321", good, source="203.0.113.9")
    guard.check("anna", "4321", good, source="198.51.100.7")  # the owner, elsewhere, is not locked out
    with pytest.raises(SignInLocked, match="try again"):
        guard.check("anna", "4321", good, source="203.0.113.9")  # the guesser's address still is


def test_guessing_from_many_addresses_meets_a_short_account_wide_wait():
    clock, good = ManualClock(), hash_pin("4321")
    guard = PinGuard(max_failures=5, base_lock_s=60, max_lock_s=900, account_cap_s=30, account_failures=50, clock=clock)
    for n in range(60):
        try:
            guard.check("anna", "0000", good, source=f"10.0.{n // 250}.{n % 250}")
        except SignInRefused:
            pass
    with pytest.raises(SignInLocked, match="try again in 3[01] s"):
        guard.check("anna", "4321", good, source="198.51.100.7")
    clock.now += 31
    guard.check("anna", "4321", good, source="198.51.100.7")


def test_unknown_cashier_counts_as_a_failure():
    guard = PinGuard(clock=ManualClock())
    with pytest.raises(SignInRefused, match="wrong PIN"):
        guard.check("nobody", "1234", None)


def test_roles_and_capture_modes_are_checked():
    with pytest.raises(ValueError):
        Cashier("c", "Alice", "boss", hash_pin("1234"))
    with pytest.raises(ValueError):
        Cashier("c", "Alice", "cashier", hash_pin("1234"), capture_mode="always")
