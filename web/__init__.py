"""The touch web UI: a Flask app served by waitress on the Pi, shown full screen by Chromium."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from loyalty import web_icon, web_security
from web import errors, i18n, ops, panel, selfservice, status, till

if TYPE_CHECKING:  # the service composes this app: it is built above the web UI, which only receives it
    from kiosk.service import KioskService

logger = logging.getLogger(__name__)
csrf = CSRFProtect()


def create_app(service: KioskService, test_config: dict | None = None) -> Flask:
    """Build the app for one running service; `test_config` overrides settings in tests."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(service.config.data_dir),
        SESSION_COOKIE_SAMESITE="Strict",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["kiosk.service"] = service
    app.extensions["kiosk.devices"] = service.devices
    csrf.init_app(app)
    web_security.init_app(app)
    web_icon.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(status.bp)
    app.register_blueprint(ops.bp)
    csrf.exempt(ops.bp)  # local-only, and its POSTs need a header no cross-origin page can send
    app.add_url_rule("/status", "status_page", status.home)
    till.init_app(app, csrf)
    if service.devices is not None and service.devices.emulators is not None:
        app.register_blueprint(panel.bp)  # the virtual hardware panel exists only with emulated devices
    if service.config.device.role == "kiosk":
        app.config.setdefault("KIOSK_IDLE_TIMEOUT_S", service.config.selfservice.idle_timeout_s)
        selfservice.init_app(app, service)
    return app


def _secret_key(data_dir: Path) -> bytes:
    """The device's own session key, made once and kept in the data directory (never a fixed default)."""
    path = data_dir / "web-secret.key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    try:
        with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as handle:
            handle.write(key)
        tmp.replace(path)
    except OSError as exc:  # a full disk: this run's sessions use the key unsaved; the next start makes another
        logger.warning("web session key not saved (%s): sign-ins last until the service restarts", exc.strerror)
    return key
