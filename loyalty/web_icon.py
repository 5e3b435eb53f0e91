"""The product's small icon, served by every Flask app of the product (till, kiosk, panel, back office, central)
at `/favicon.ico` and `/favicon.svg`, so no page asks for an icon and gets a 404.

Drawn here as SVG (a loyalty card on the product's dark blue), one text for every app; `init_app` adds the routes
and templates link it with `url_for("favicon_svg")`.
"""

from __future__ import annotations

from flask import Flask, Response

ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="12" fill="#0b5cad"/>'
    '<rect x="10" y="18" width="44" height="30" rx="4" fill="#fff"/>'
    '<rect x="10" y="24" width="44" height="6" fill="#f2b705"/>'
    '<circle cx="45" cy="40" r="4" fill="#0b5cad"/></svg>'
)
#: A day in browsers' caches: the icon rarely changes, and a new one shows the next day at the latest.
MAX_AGE_S = 86400


def _icon() -> Response:
    response = Response(ICON_SVG, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    return response


def init_app(app: Flask) -> None:
    """Serve the icon at the path browsers ask for by themselves and at the one pages link."""
    app.add_url_rule("/favicon.svg", "favicon_svg", _icon)
    app.add_url_rule("/favicon.ico", "favicon_ico", _icon)
