"""Cashier sign-in by short PIN: salted scrypt hashes, and a lockout that grows after repeated failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import SignInRefused

ROLES = ("cashier", "manager", "technician")
CAPTURE_MODES = ("off", "suggested", "required")
_SCRYPT = {"n": 2**13, "r": 8, "p": 1}


@dataclass(frozen=True)
class Cashier:
    """A person who may sign in at a till; the PIN is only ever kept hashed."""

    cashier_id: str
    name: str
    role: str
    pin_hash: str
    language: str = "fr"
    capture_mode: str | None = None  # None: the store's setting applies

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.capture_mode is not None and self.capture_mode not in CAPTURE_MODES:
            raise ValueError(f"capture mode {self.capture_mode!r} is not one of {', '.join(CAPTURE_MODES)}")


def check_pin_format(pin: str) -> str:
    if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit()) or not 4 <= len(pin) <= 8:
        raise SignInRefused("a PIN is 4 to 8 digits")
    return pin


def hash_pin(pin: str) -> str:
    """`scrypt$n$r$p$salt$hash`, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(check_pin_format(pin).encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = pin_hash.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


class PinGuard:
    """Counts failed PIN attempts per cashier and per device, and locks sign-in for a growing time.

    After `max_failures` wrong PINs in a row a cashier is locked for `base_lock_s`, doubling with each
    further lock up to `max_lock_s`. Independently, the device refuses more than `device_limit` attempts
    per minute whatever the cashier, so PINs cannot be tried across accounts.
    """

    def __init__(self, max_failures: int = 5, base_lock_s: float = 60, max_lock_s: float = 900,
                 device_limit: int = 20, clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.base_lock_s, self.max_lock_s = max_failures, base_lock_s, max_lock_s
        self.device_limit = device_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._locks: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._recent: list[float] = []

    def check(self, cashier_id: str, pin: str, pin_hash: str | None) -> None:
        """Raise SignInRefused unless the PIN is right and no lockout is in force."""
        now = self._clock()
        with self._lock:
            self._recent = [t for t in self._recent if now - t < 60]
            if len(self._recent) >= self.device_limit:
                raise SignInRefused("too many PIN attempts on this till; wait a minute")
            until = self._locked_until.get(cashier_id, 0)
            if now < until:
                raise SignInRefused(f"sign-in locked after repeated wrong PINs; try again in {int(until - now) + 1} s")
            self._recent.append(now)
        ok = pin_hash is not None and verify_pin(pin, pin_hash)
        with self._lock:
            if ok:
                self._failures.pop(cashier_id, None)
                self._locks.pop(cashier_id, None)
                return
            failures = self._failures.get(cashier_id, 0) + 1
            self._failures[cashier_id] = failures
            if failures >= self.max_failures:
                locks = self._locks.get(cashier_id, 0)
                self._locks[cashier_id] = locks + 1
                self._failures[cashier_id] = 0
                duration = min(self.max_lock_s, self.base_lock_s * 2**locks)
                self._locked_until[cashier_id] = now + duration
                raise SignInRefused(f"wrong PIN; sign-in locked for {int(duration)} s")
        raise SignInRefused(f"wrong PIN ({self.max_failures - failures} tries left before a lockout)")
