"""Adoption figures per cashier for the back office: capture rate, operations, time per operation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from device.till.json_file import read_json, write_json
from loyalty.wire import ADOPTION_COUNTERS

SCHEMA = 1
SAVE_EVERY_S = 30.0
KEEP_DAYS = 14  # per-day figures kept for central; older days have been sent many times over


@dataclass(frozen=True)
class CashierFigures:
    """One cashier's figures; `capture_rate` is customers captured per unknown card met (None before any)."""

    cashier_id: str
    operations: int
    earns: int
    unknown_cards: int
    captured: int
    skipped: int
    redemptions: int
    refunds: int
    undos: int
    capture_rate: float | None
    mean_op_ms: float | None


class AdoptionBook:
    """Counters per cashier (all time, and per local day for central), kept in `till-adoption.json`;
    saved at most every 30 s and on close."""

    def __init__(self, path: Path, today: Callable[[], date] = date.today):
        self._path = path
        self._today = today
        self._lock = threading.Lock()
        saved = read_json(path, {"schema": SCHEMA, "cashiers": {}})
        self._counts: dict[str, dict[str, int]] = saved["cashiers"]
        self._days: dict[str, dict[str, dict[str, int]]] = saved.get("days", {})
        self._saved_at = time.monotonic()
        self._dirty = False

    def count(self, cashier_id: str | None, name: str, amount: int = 1) -> None:
        if name not in ADOPTION_COUNTERS:
            raise ValueError(f"unknown adoption counter {name!r}")
        day = self._today().isoformat()
        with self._lock:
            for row in (
                self._counts.setdefault(cashier_id or "-", {}),
                self._day(day).setdefault(cashier_id or "-", {}),
            ):
                row[name] = row.get(name, 0) + amount
            self._dirty = True

    def _day(self, day: str) -> dict[str, dict[str, int]]:
        if day not in self._days:
            self._days[day] = {}
            for old in sorted(self._days)[:-KEEP_DAYS]:
                del self._days[old]
        return self._days[day]

    def day_figures(self) -> list[dict[str, object]]:
        """Each cashier's running totals per day (the last KEEP_DAYS days), as central's adoption API takes them."""
        with self._lock:
            return [
                {"day": day, "cashier_id": cid, **{name: row.get(name, 0) for name in ADOPTION_COUNTERS}}
                for day, cashiers in sorted(self._days.items())
                for cid, row in sorted(cashiers.items())
            ]

    def save_if_due(self) -> None:
        """Save when the last save is older than SAVE_EVERY_S (called off the tap path)."""
        if time.monotonic() - self._saved_at > SAVE_EVERY_S:
            self.save()

    def timed(self, cashier_id: str | None, ms: float) -> None:
        self.count(cashier_id, "op_ms_total", int(ms))
        self.count(cashier_id, "timed_ops")

    def figures(self) -> list[CashierFigures]:
        with self._lock:
            rows = {cid: dict(row) for cid, row in self._counts.items()}
        out = []
        for cid, row in sorted(rows.items()):
            get = lambda key: row.get(key, 0)  # noqa: E731
            out.append(
                CashierFigures(
                    cid,
                    get("operations"),
                    get("earns"),
                    get("unknown_cards"),
                    get("captured"),
                    get("skipped"),
                    get("redemptions"),
                    get("refunds"),
                    get("undos"),
                    round(get("captured") / get("unknown_cards"), 3) if get("unknown_cards") else None,
                    round(get("op_ms_total") / get("timed_ops"), 1) if get("timed_ops") else None,
                )
            )
        return out

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            data = {
                "schema": SCHEMA,
                "cashiers": {cid: dict(row) for cid, row in self._counts.items()},
                "days": {
                    day: {cid: dict(row) for cid, row in cashiers.items()} for day, cashiers in self._days.items()
                },
            }
            self._dirty = False
            self._saved_at = time.monotonic()
        write_json(self._path, data)
