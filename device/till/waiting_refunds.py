"""Refunds of another till's receipt recorded by a manager while central was unreachable, made once it answers.

Only central knows a receipt earned at another till, so such a refund cannot be worked out offline. A
manager may note it (receipt and amount) instead of sending the shopper away; the till makes it as soon as
central answers again. The list is kept on disk, so a restart loses none.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from device.till.json_file import read_json, write_json


@dataclass(frozen=True)
class WaitingRefund:
    """A refund to make when central answers: the receipt, the refunded cents (None: all of it), who noted it."""

    receipt_ref: str
    refund_cents: int | None
    noted_by: str | None
    noted_at: float


class WaitingRefunds:
    """The refunds noted for later, in the order they were noted."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        rows = read_json(self.path, {"refunds": []}).get("refunds")
        self._refunds: list[WaitingRefund] = []
        for row in rows if isinstance(rows, list) else []:
            try:
                self._refunds.append(WaitingRefund(**row))
            except TypeError:
                continue

    def add(self, receipt_ref: str, refund_cents: int | None, noted_by: str | None) -> WaitingRefund:
        with self._lock:
            refund = WaitingRefund(receipt_ref, refund_cents, noted_by, time.time())
            self._save(self._refunds + [refund])
            return refund

    def all(self) -> list[WaitingRefund]:
        with self._lock:
            return list(self._refunds)

    def remove(self, refund: WaitingRefund) -> None:
        with self._lock:
            self._save([r for r in self._refunds if r != refund])

    def _save(self, refunds: list[WaitingRefund]) -> None:
        write_json(self.path, {"refunds": [r.__dict__ for r in refunds]})
        self._refunds = refunds
