"""Fixtures: a central app on each backend, its test client, the admin token and enrolled devices."""

from __future__ import annotations

import pytest

from central import create_app
from central.embedded import enrol_device
from loyalty.domain.events import to_record
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)

ADMIN_TOKEN = "test-admin-token"


@pytest.fixture
def app(database_url):
    app = create_app(database_url, admin_token=ADMIN_TOKEN)
    yield app
    app.extensions["central.engine"].dispose()


@pytest.fixture
def engine(app):
    return app.extensions["central.engine"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin():
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Device:
    """A device as central sees it: its token, and push/pull through the test client."""

    def __init__(self, client, engine, device_id: str, store_id: str | None = None) -> None:
        self.client = client
        self.device_id = device_id
        self.headers = {"Authorization": f"Bearer {enrol_device(engine, device_id, store_id=store_id)}"}
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def push(self, events, expect: int = 200):
        response = self.client.post(
            "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers=self.headers
        )
        assert response.status_code == expect, response.json
        return response.json

    def pull(self, cursor: int = 0, limit: int = 500):
        response = self.client.get(f"/api/sync/pull?cursor={cursor}&limit={limit}", headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json

    def pull_all(self, limit: int = 500) -> dict:
        """Every page from the start, merged: customers and cards by id, erasures and scope removals as sets."""
        return self.pull_from(0, limit)

    def pull_from(self, cursor: int, limit: int = 500) -> dict:
        """Every page after `cursor`, merged as `pull_all` does."""
        customers, cards, erased, removed = {}, {}, set(), set()
        while True:
            page = self.pull(cursor, limit)
            for c in page["customers"]:
                customers[c["customer_id"]] = c
                erased.discard(c["customer_id"])
            for c in page["cards"]:
                cards[c["card_uid"]] = c
            for cid in page["erased"]:
                erased.add(cid)
                customers.pop(cid, None)
            for cid in page.get("removed", ()):
                removed.add(cid)
                customers.pop(cid, None)
            cursor = page["cursor"]
            if not page["more"]:
                return {
                    "customers": customers,
                    "cards": cards,
                    "erased": erased,
                    "removed": removed,
                    "seq_through": page["device_seq_through"],
                    "cursor": cursor,
                }


@pytest.fixture
def make_device(client, engine):
    return lambda device_id="till-1", store_id=None: Device(client, engine, device_id, store_id)
