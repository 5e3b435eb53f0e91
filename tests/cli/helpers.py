"""Invented sales recorded in a device's store, so backups and status have something to show."""

from __future__ import annotations

from device.store import Store
from loyalty.domain.operations import earn
from tests.factories import seed_store


def record_sales(store: Store, config, count: int, start: int = 0) -> None:
    """Record `count` earns for invented customers (seeding them first if the store has none)."""
    if store.stats().customers == 0:
        seed_store(store, 5)
    for n in range(start, start + count):
        event, _ = earn(
            store,
            config.earning.scale(),
            device_id=config.device.id,
            customer_id=f"cust-{n % 5:05d}",
            receipt_ref=f"R-{n:05d}",
            lines={"general": 1000 + n},
        )
        store.record(event)


def balances(store: Store) -> dict[str, int]:
    return {f"cust-{n:05d}": store.balance(f"cust-{n:05d}") for n in range(5)}
