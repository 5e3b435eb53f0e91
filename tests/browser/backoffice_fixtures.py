"""Central served on a local port with back-office accounts, and a Chromium page signed in to it."""

from __future__ import annotations

import pytest

from central.embedded import start_background
from tests.backoffice.conftest import HEAD_OFFICE, add_users

VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "tablet": {"width": 800, "height": 1280}}


@pytest.fixture
def running_central(tmp_path):
    central = start_background(f"sqlite:///{tmp_path / 'central.db'}", threads=4)
    add_users(central.engine)
    yield central
    central.stop()
    central.engine.dispose()


def open_signed_in(browser, central, lang: str, viewport: str = "laptop", user=HEAD_OFFICE):
    """A page signed in as `user` in `lang`, recording every address the page asks for."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="fr-FR" if lang == "fr" else "en-GB")
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(f"{central.url}/backoffice/signin?lang={lang}")
    page.locator("input[name=user_id]").fill(user[0])
    page.locator("input[name=password]").fill(user[1])
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{central.url}/backoffice/")
    return context, page


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
