"""The device's crash-safe local store: a durable outbox journal over an indexed cache (TinyDB snapshot)."""

from kiosk.store.fileops import FileOps
from kiosk.store.store import Store
from kiosk.store.views import CustomerView, StoreStats

__all__ = ["FileOps", "Store", "CustomerView", "StoreStats"]
