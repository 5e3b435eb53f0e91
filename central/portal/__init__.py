"""The shopper's portal on central: mobile-first pages behind the receipt's QR and the card number sign-in.

Installable (web app manifest) and kept usable on a poor connection by a service worker; French and
English through the app's Babel (`central.backoffice.i18n`). `init_app(app)` mounts it under `/portal`.
"""

from __future__ import annotations

from flask import Flask

from central.portal.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
