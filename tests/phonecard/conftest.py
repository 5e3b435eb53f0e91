"""Fixtures: a central app with a phone card key, and a customer with a card registered through a push."""

from __future__ import annotations

import pytest

from central import create_app
from central.settings import CentralSettings
from loyalty import phonecard
from loyalty.domain.events import CardLinked, CustomerRegistered
from tests.central.conftest import ADMIN_TOKEN, Device
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def signing_key():
    return phonecard.new_private_key()


@pytest.fixture
def app(database_url, signing_key, tmp_path):
    app = create_app(
        database_url,
        settings=CentralSettings(data_dir=str(tmp_path / "central")),
        admin_token=ADMIN_TOKEN,
        phonecard_key=signing_key,
    )
    yield app
    app.extensions["central.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def device(app, client):
    return Device(client, app.extensions["central.engine"], "kiosk-1")


@pytest.fixture
def card(device):
    """A registered customer's card uid."""
    device.push(
        [
            CustomerRegistered(device_id="kiosk-1", seq=device.next_seq(), customer_id="c-1", first_name="Ana"),
            CardLinked(device_id="kiosk-1", seq=device.next_seq(), customer_id="c-1", card_uid="04A1B2C3"),
        ]
    )
    return "04A1B2C3"
