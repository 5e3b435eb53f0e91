"""The kiosk service: one object that owns the store (and, as they are added, devices and sync).

The web layer and the CLI talk to this object only; they never open the store themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__
from kiosk.config import Config
from kiosk.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceState:
    """What the status page and `kiosk status` show."""

    version: str
    device_id: str
    device_name: str
    role: str
    customers: int
    cards: int
    pending: int
    cursor: int
    problems: tuple[str, ...]


class KioskService:
    """Owns the store for one device; closing it closes everything it opened."""

    def __init__(self, config: Config, store: Store):
        self.config = config
        self.store = store
        self._closed = False

    @classmethod
    def open(cls, config: Config) -> KioskService:
        store = Store.open(store_dir(config), config.device.id)
        logger.info("service open for device %s (%s)", config.device.id, config.device.role)
        return cls(config, store)

    def state(self) -> ServiceState:
        stats = self.store.stats()
        return ServiceState(
            version=__version__,
            device_id=self.config.device.id,
            device_name=self.config.device.name,
            role=self.config.device.role,
            customers=stats.customers,
            cards=stats.cards,
            pending=stats.pending,
            cursor=stats.cursor,
            problems=tuple(stats.problems),
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.store.close()

    def __enter__(self) -> KioskService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_dir(config: Config) -> Path:
    return config.data_dir / "store"
