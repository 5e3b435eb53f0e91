"""The cashiers of this device: local ones in `cashiers.json`, merged with those central publishes."""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from device.till.json_file import read_json, write_json
from loyalty.cashiers import Cashier, PinGuard, check_pin_format, hash_pin, verify_pin
from loyalty.errors import SignInRefused

log = logging.getLogger(__name__)

SCHEMA = 1


def _no_central() -> dict[str, Cashier | None]:
    return {}


class CashierBook:
    """Add, list and check cashiers; PINs are only ever kept as salted hashes.

    `central` gives central's cashiers by id (None for a deactivated one): central wins over a local
    cashier with the same id, and a deactivated cashier is neither listed nor allowed to sign in.
    """

    def __init__(
        self, path: Path, guard: PinGuard | None = None, central: Callable[[], dict[str, Cashier | None]] = _no_central
    ):
        self._path = path
        self._central = central
        self._lock = threading.Lock()
        self.guard = guard or PinGuard()
        data = read_json(path, {"schema": SCHEMA, "cashiers": []})
        self._cashiers = {row["cashier_id"]: Cashier(**row) for row in data.get("cashiers", [])}

    def _save(self) -> None:
        write_json(self._path, {"schema": SCHEMA, "cashiers": [dataclasses.asdict(c) for c in self._cashiers.values()]})

    def add(
        self,
        name: str,
        role: str,
        pin: str,
        *,
        language: str = "fr",
        capture_mode: str | None = None,
        cashier_id: str | None = None,
    ) -> Cashier:
        cashier = Cashier(
            cashier_id or f"c-{uuid.uuid4().hex[:8]}",
            name.strip(),
            role,
            hash_pin(check_pin_format(pin)),
            language,
            capture_mode,
        )
        with self._lock:
            self._cashiers[cashier.cashier_id] = cashier
            self._save()
        return cashier

    def update(self, cashier: Cashier) -> None:
        with self._lock:
            self._cashiers[cashier.cashier_id] = cashier
            self._save()

    def _merged(self) -> dict[str, Cashier]:
        central = self._central()
        with self._lock:
            merged = self._cashiers | central
        return {k: v for k, v in merged.items() if v is not None}

    def all(self) -> list[Cashier]:
        return sorted(self._merged().values(), key=lambda c: c.name.lower())

    def get(self, cashier_id: str) -> Cashier | None:
        return self._merged().get(cashier_id)

    def check(self, cashier_id: str, pin: str) -> Cashier:
        """The cashier if the PIN is right; SignInRefused (with lockout and rate limit) otherwise."""
        cashier = self.get(cashier_id)
        self.guard.check(cashier_id, pin if isinstance(pin, str) else "", cashier.pin_hash if cashier else None)
        if cashier is None:  # pragma: no cover - the guard refuses a missing hash
            raise SignInRefused("unknown cashier")
        return cashier

    def manager_override(self, pin: str) -> Cashier:
        """The manager whose PIN this is; SignInRefused when no manager has it."""
        pin = pin if isinstance(pin, str) else ""
        found = next((c for c in self.all() if c.role == "manager" and verify_pin(pin, c.pin_hash)), None)
        # Attempts count against one shared key, so overrides are rate limited and locked out like sign-ins.
        self.guard.check("manager-override", pin, found.pin_hash if found else None)
        assert found is not None
        return found
