import pytest

from web import create_app


@pytest.fixture
def app(service):
    return create_app(service, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
