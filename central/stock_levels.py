"""Low and empty stocks, for `kiosk status` (through `GET /api/sync/device`) and the back office.

A partner voucher is low under its pool's alert level (`central.backoffice.catalogue`, the one rule) and
empty with no free code; an in-house reward with a stock is empty at 0. A shopper refused a voucher whose
pool is empty reads "out of stock" (`VoucherOutOfStock` on the device), and the technician sees it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from central.backoffice.catalogue import list_entries


@dataclass(frozen=True)
class StockLevel:
    """One active reward running low or out: what it is, how many are left, "low" or "empty"."""

    reward_id: str
    name: str
    kind: str
    left: int

    @property
    def state(self) -> str:
        return "empty" if self.left <= 0 else "low"

    def to_json(self) -> dict[str, object]:
        return {
            "reward_id": self.reward_id,
            "name": self.name,
            "kind": self.kind,
            "left": self.left,
            "state": self.state,
        }


def low_stocks(connection: Connection) -> list[StockLevel]:
    """Active rewards that are low or empty, empty ones first."""
    found = []
    for entry in list_entries(connection):
        if not entry.active:
            continue
        if entry.pool_free is not None and (entry.low or entry.pool_free <= 0):
            found.append(StockLevel(entry.reward_id, entry.name, entry.kind, entry.pool_free))
        elif entry.pool_free is None and entry.stock is not None and entry.stock <= 0:
            found.append(StockLevel(entry.reward_id, entry.name, entry.kind, entry.stock))
    return sorted(found, key=lambda s: (s.left > 0, s.left, s.reward_id))
