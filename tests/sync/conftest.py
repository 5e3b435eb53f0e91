"""Fixtures: a central served on a local port (SQLite), and devices with real stores in tmp directories."""

from __future__ import annotations

import itertools

import pytest

from central.embedded import start_background
from device.store import Store
from tests.central.databases import pg_url, sqlite_url  # noqa: F401  (fixtures)


@pytest.fixture
def central_server(sqlite_url):
    server = start_background(sqlite_url, threads=4)
    yield server
    server.stop()
    server.engine.dispose()


@pytest.fixture
def open_store(tmp_path):
    """Opens a real device store in its own directory; all are closed after the test."""
    opened: list[Store] = []
    numbers = itertools.count()

    def opener(device_id: str = "till-1") -> Store:
        store = Store.open(tmp_path / f"store-{next(numbers)}-{device_id}", device_id)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()
