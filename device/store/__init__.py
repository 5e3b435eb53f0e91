"""The device's crash-safe local store: a durable outbox journal over an indexed cache (TinyDB snapshot)."""

from device.store.fileops import FileOps
from device.store.store import Store
from device.store.views import CustomerView, StoreStats

__all__ = ["FileOps", "Store", "CustomerView", "StoreStats"]
