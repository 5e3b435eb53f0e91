"""Names for the ids that reports are keyed by: a store (device) by its name, a cashier by theirs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from central.schema import cashiers, devices


@dataclass(frozen=True)
class DisplayNames:
    """Store and cashier names by id; an id without a name is shown as itself."""

    stores: dict[str, str] = field(default_factory=dict)
    cashiers: dict[str, str] = field(default_factory=dict)

    def store(self, device_id: str) -> str:
        name = self.stores.get(device_id)
        return f"{name} ({device_id})" if name and name != device_id else device_id

    def cashier(self, cashier_id: str) -> str:
        name = self.cashiers.get(cashier_id)
        return f"{name} ({cashier_id})" if name and name != cashier_id else cashier_id


def display_names(connection: Connection) -> DisplayNames:
    return DisplayNames(
        {d: n for d, n in connection.execute(select(devices.c.device_id, devices.c.name)) if n},
        {c: n for c, n in connection.execute(select(cashiers.c.cashier_id, cashiers.c.name)) if n},
    )
