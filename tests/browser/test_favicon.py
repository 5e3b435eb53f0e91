"""Every app of the product answers the browser's own request for an icon: the till, the kiosk, the hardware
panel, the back office and central's pages load in Chromium with no 404, and each page links the icon."""

from __future__ import annotations

import pytest

from central.embedded import start_background
from central.settings import CentralSettings
from kiosk.selfservice_demo import demo_kiosk
from tests.browser.test_till_flows import served, till_service  # noqa: F401  (fixtures)
from tests.central.databases import sqlite_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _visit(browser, base: str, paths: tuple[str, ...]) -> list[str]:
    """Load each page, check its icon link and the icon both paths answer; the requests that got a 404."""
    origin = "/".join(base.split("/")[:3])
    context = browser.new_context(viewport={"width": 800, "height": 480}, locale="fr-FR")
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    for path in paths:
        page.goto(base + path)
        href = page.locator("link[rel=icon]").get_attribute("href")
        assert href == "/favicon.svg", path
        for icon in ("/favicon.ico", href):  # the path browsers ask for by themselves, and the linked one
            answer = page.request.get(origin + icon)
            assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml"), icon
            assert answer.text().startswith("<svg") and "max-age" in answer.headers["cache-control"]
    context.close()
    return missing


def test_the_till_and_its_panel_serve_their_icon(browser, served):  # noqa: F811
    assert _visit(browser, served, ("/till/signin", "/panel/", "/status")) == []


def test_the_kiosk_serves_its_icon(browser, tmp_path):
    with demo_kiosk(tmp_path / "kiosk") as kiosk:
        assert _visit(browser, kiosk.url.rstrip("/"), ("/",)) == []


def test_the_back_office_and_central_pages_serve_their_icon(browser, sqlite_url, tmp_path):  # noqa: F811
    central = start_background(sqlite_url, settings=CentralSettings(data_dir=str(tmp_path / "central")))
    try:
        assert _visit(browser, central.url.rstrip("/"), ("/backoffice/signin", "/activate")) == []
    finally:
        central.stop()
        central.engine.dispose()
