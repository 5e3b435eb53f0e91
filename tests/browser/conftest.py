"""Browser fixtures: Debian's Chromium driven by Playwright against the service on a free local port."""

from __future__ import annotations

import pytest

from kiosk.runner import WebServer
from web import create_app


@pytest.fixture
def live_server(service):
    server = WebServer(create_app(service), "127.0.0.1", 0).start()
    yield server
    server.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    opened = context.new_page()
    yield opened
    context.close()
