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

from loyalty.errors import SignInLocked, SignInRefused

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
    """Slows PIN and password guessing per account, never for a whole till, so no stranger locks staff out.

    After `max_failures` wrong tries in a row an account waits `base_lock_s`, doubling with each further
    wrong try up to `max_lock_s`; a right PIN after the wait clears it. At a till (`source` empty) the cap is
    short: a stranger can make one cashier wait half a minute, never lock the till, while guessing a 4-digit
    PIN at two tries a minute takes days in front of the staff. Where callers come from many places (the
    back office, `source` = the client's address), the long lock is kept per account and source: a guesser
    locks only their own address. Only a guess from many addresses (`account_failures` wrong tries in a row
    on one account) makes the account itself wait, and never more than `account_cap_s`.
    """

    def __init__(
        self,
        max_failures: int = 5,
        base_lock_s: float = 5,
        max_lock_s: float = 30,
        account_cap_s: float = 30,
        account_failures: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures, self.base_lock_s, self.max_lock_s = max_failures, base_lock_s, max_lock_s
        self.account_cap_s, self.account_failures = account_cap_s, account_failures
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str | None], int] = {}
        self._locked_until: dict[tuple[str, str | None], float] = {}

    def _keys(self, account: str, source: str) -> list[tuple[tuple[str, str | None], int, float]]:
        """The counters a try moves, each with the failures that start its waits and its longest wait."""
        if not source:
            return [((account, ""), self.max_failures, self.max_lock_s)]
        return [
            ((account, source), self.max_failures, self.max_lock_s),
            ((account, None), self.account_failures, min(self.account_cap_s, self.max_lock_s)),
        ]

    def check(self, cashier_id: str, pin: str, pin_hash: str | None, source: str = "") -> None:
        """Raise SignInRefused unless the PIN is right, SignInLocked while the account (from this source) waits."""
        now = self._clock()
        keys = self._keys(cashier_id, source)
        with self._lock:
            until = max(self._locked_until.get(key, 0) for key, _, _ in keys)
            if now < until:
                raise SignInLocked(f"sign-in locked after repeated wrong PINs; try again in {int(until - now) + 1} s")
        ok = pin_hash is not None and verify_pin(pin, pin_hash)
        with self._lock:
            if ok:
                for key, _, _ in keys:
                    self._failures.pop(key, None)
                    self._locked_until.pop(key, None)
                return
            longest = 0.0
            for key, threshold, cap in keys:
                failures = self._failures.get(key, 0) + 1
                self._failures[key] = failures
                if failures >= threshold:
                    wait = min(cap, self.base_lock_s * 2 ** (failures - threshold))
                    self._locked_until[key] = now + wait
                    longest = max(longest, wait)
            if longest:
                raise SignInLocked(f"wrong PIN; sign-in locked for {int(longest)} s")
            failures = self._failures[keys[0][0]]
        raise SignInRefused(f"wrong PIN ({self.max_failures - failures} tries left before a lockout)")
