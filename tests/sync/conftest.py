"""Fixtures: a central served on a local port (SQLite), and devices with in-memory stores."""

from __future__ import annotations

import pytest

from central.embedded import start_background
from tests.central.databases import pg_url, sqlite_url  # noqa: F401  (fixtures)


@pytest.fixture
def central_server(sqlite_url):
    server = start_background(sqlite_url, threads=4)
    yield server
    server.stop()
    server.engine.dispose()
