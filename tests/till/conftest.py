"""Till fixtures: a till on a fresh store with two cashiers and a few invented customers."""

from __future__ import annotations

import pytest

from device.bus import EventBus
from device.store import Store
from device.till import Till
from tests.factories import seed_store


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sync_state() -> dict:
    return {"state": "idle"}


@pytest.fixture
def till(config, clock, sync_state):
    store = Store.open(config.data_dir / "store", config.device.id)
    seed_store(store, 5)  # cards A0000000.. with 0, 10, 20, 30, 40 points
    made = Till(config, store, EventBus(), sync_state=lambda: sync_state, clock=clock)
    alice = made.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
    made.cashiers.add("Marc", "manager", "5678", cashier_id="marc")
    made.sessions.open(alice)
    yield made
    made.close()
    store.close()
