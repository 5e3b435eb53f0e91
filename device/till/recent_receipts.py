"""This till's last receipts, so a refund can be picked from a list instead of typed on a touch screen.

Only what the list needs is kept (reference, amount, points, time, customer id), in `till-receipts.json`,
bounded to the last `KEEP` receipts; the customer's first name and what can still be refunded are read from
the store each time, so an erased or no longer held customer's name is in no file of the till.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from device.till.json_file import read_json, write_json

SCHEMA = 1
KEEP = 8


@dataclass(frozen=True)
class RecentReceipt:
    """One credited receipt as the refund list shows it."""

    receipt_ref: str
    amount_cents: int
    points: int
    at: str  # local time HH:MM
    customer_id: str = ""


class RecentReceipts:
    """The last receipts credited at this till, newest first (the training store keeps its own list)."""

    def __init__(self, path: Path):
        self._path = path
        self._lock = threading.Lock()
        rows = read_json(path, {"schema": SCHEMA, "receipts": []}).get("receipts", [])
        self._rows: list[RecentReceipt] = []
        for row in rows if isinstance(rows, list) else []:
            try:
                row.pop("first_name", None)  # kept by earlier versions: dropped
                self._rows.append(RecentReceipt(**row))
            except (TypeError, AttributeError):
                continue

    def add(self, receipt: RecentReceipt) -> None:
        with self._lock:
            self._rows = [receipt] + [r for r in self._rows if r.receipt_ref != receipt.receipt_ref]
            del self._rows[KEEP:]
            data = {"schema": SCHEMA, "receipts": [asdict(r) for r in self._rows]}
        write_json(self._path, data)

    def all(self) -> list[RecentReceipt]:
        with self._lock:
            return list(self._rows)
