"""Every app answers with the strict policy, no framing and same-origin referrers; no template holds an
inline script; cookies are Secure whenever the request came over HTTPS, behind trusted proxies too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from central import create_app as create_central
from central.backoffice.accounts import create_user
from central.settings import CentralSettings
from central.transactions import in_transaction
from device.config import parse_config
from kiosk.service import KioskService
from loyalty import phonecard
from web import create_app as create_device_app

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [ROOT / "web" / "templates", ROOT / "central" / "templates", ROOT / "central" / "backoffice" / "templates"]


def _assert_hardened(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response.headers.get("Referrer-Policy") == "same-origin"
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_no_template_holds_an_inline_script():
    inline = []
    for folder in TEMPLATES:
        for path in folder.rglob("*.html"):
            for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
                if "src=" not in tag and "application/json" not in tag:
                    inline.append(f"{path.relative_to(ROOT)}: {tag}")
            assert not re.search(r"\son[a-z]+=\"", path.read_text(encoding="utf-8")), path
    assert inline == []


@pytest.mark.parametrize("role", ["till", "kiosk"])
def test_every_device_page_is_hardened(tmp_path, role):
    config = parse_config(
        {
            "device": {"id": f"t-{role}", "role": role, "name": "Test"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
        }
    )
    with KioskService.open(config, sync=False) as service:
        client = create_device_app(service, {"TESTING": True}).test_client()
        paths = ["/", "/status", "/panel/", "/till/signin"] if role == "till" else ["/kiosk/", "/status", "/panel/"]
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 302), path
            _assert_hardened(response)


@pytest.fixture
def central(tmp_path):
    def make(**settings):
        app = create_central(
            f"sqlite:///{tmp_path / f'c{len(made)}.db'}",
            phonecard_key=phonecard.new_private_key(),
            settings=CentralSettings(data_dir=str(tmp_path), **settings),
        )
        engine = app.extensions["central.engine"]
        in_transaction(engine, lambda c: create_user(c, "anna", "head_office", "head-office-password"))
        made.append(engine)
        return app

    made: list = []
    yield make
    for engine in made:
        engine.dispose()


def test_every_central_page_is_hardened(central):
    client = central().test_client()
    for path in ("/backoffice/signin", "/api/health", "/api/openapi.json", "/card/garbage"):
        _assert_hardened(client.get(path))


def _session_cookie(client, base_url: str, headers: dict | None = None) -> str:
    """Sign in as a browser would (same-origin Referer, which Flask-WTF checks over HTTPS)."""
    headers = {"Referer": f"{base_url}/backoffice/signin", **(headers or {})}
    kwargs = {"base_url": base_url, "headers": headers}
    client.get("/backoffice/signin", **kwargs)
    page = client.get("/backoffice/signin", **kwargs).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/backoffice/signin",
        data={"csrf_token": token, "user_id": "anna", "password": "head-office-password"},
        **kwargs,
    )
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def test_cookies_are_secure_over_https_only(central):
    app = central()
    assert "Secure" in _session_cookie(app.test_client(), base_url="https://central.example")
    assert "Secure" not in _session_cookie(app.test_client(), base_url="http://central.example")


def test_a_trusted_proxy_says_the_request_was_https(central):
    proxied = {
        "headers": {"X-Forwarded-Proto": "https", "Referer": "https://central.example/backoffice/signin"},
        "base_url": "http://central.example",
    }
    assert "Secure" in _session_cookie(central(trusted_proxies=1).test_client(), **proxied)
    assert "Secure" not in _session_cookie(central().test_client(), **proxied)  # nobody trusted: a header is a claim
