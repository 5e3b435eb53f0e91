"""Fixtures: central on a SQLite file with a head-office and a manager account, and a signed-in test client."""

from __future__ import annotations

import re

import pytest

from central import create_app
from central.backoffice.accounts import create_user
from central.transactions import in_transaction
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)

HEAD_OFFICE = ("anna", "head-office-password")
MANAGER = ("marc", "store-manager-password")
ADMIN_TOKEN = "test-admin-token"


def add_users(engine) -> None:
    in_transaction(engine, lambda c: create_user(c, HEAD_OFFICE[0], "head_office", HEAD_OFFICE[1]))
    in_transaction(engine, lambda c: create_user(c, MANAGER[0], "manager", MANAGER[1]))


@pytest.fixture
def app(sqlite_url):
    app = create_app(sqlite_url, admin_token=ADMIN_TOKEN)
    add_users(app.extensions["central.engine"])
    yield app
    app.extensions["central.engine"].dispose()


@pytest.fixture(scope="module")
def week():
    """The invented week of trade (`tests/backoffice/ledgers.py`), built once per module."""
    from tests.backoffice.ledgers import build_week

    return build_week()


@pytest.fixture
def engine(app):
    return app.extensions["central.engine"]


class BackOffice:
    """A browser-less session: signs in, keeps the CSRF token of the last page, posts forms with it."""

    def __init__(self, client) -> None:
        self.client = client
        self.token = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if self.token is None:
            self.get("/backoffice/signin")
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def sign_in(self, user: tuple[str, str], lang: str = "en"):
        self.get(f"/backoffice/signin?lang={lang}")
        response = self.post("/backoffice/signin", {"user_id": user[0], "password": user[1]})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.get("/backoffice/")
        return response


@pytest.fixture
def office(app):
    session = BackOffice(app.test_client())
    session.sign_in(HEAD_OFFICE)
    return session


@pytest.fixture
def manager(app):
    session = BackOffice(app.test_client())
    session.sign_in(MANAGER)
    return session
