"""The central Flask app factory: one database URL, migrations on start, JSON API blueprints."""

from __future__ import annotations

import dataclasses

from flask import Flask
from sqlalchemy import Engine

from central import activation_page, backoffice, device_auth, http_errors, phonecard, portal
from central.api import admin, meta, sync
from central.api import card_batches as card_batches_api
from central.api import catalogue as catalogue_api
from central.api import history as history_api
from central.api import lookup as lookup_api
from central.api import orders as orders_api
from central.api import phonecard as phonecard_api
from central.api import pools as pools_api
from central.db import make_engine, migrate
from central.settings import CentralSettings
from loyalty import web_icon, web_security


def create_app(
    database_url: str = "",
    *,
    settings: CentralSettings | None = None,
    admin_token: str | None = None,
    engine: Engine | None = None,
    run_migrations: bool = True,
    phonecard_key=None,
) -> Flask:
    """A central app on `database_url` (or `settings.database_url`, default a SQLite file in data_dir)."""
    settings = settings or CentralSettings()
    if database_url:
        settings = dataclasses.replace(settings, database_url=database_url)
    if admin_token is not None:
        settings = dataclasses.replace(settings, admin_token=admin_token)
    engine = engine or make_engine(settings.resolved_database_url)
    if run_migrations:
        migrate(engine)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["central.engine"] = engine
    app.extensions["central.settings"] = settings
    web_security.init_app(app, settings.trusted_proxies)
    web_icon.init_app(app)
    http_errors.init_app(app)
    device_auth.init_app(app)
    phonecard.init_app(app, phonecard_key)
    app.register_blueprint(meta.bp)
    app.register_blueprint(sync.bp)
    app.register_blueprint(admin.bp)
    backoffice.init_app(app)
    portal.init_app(app)
    app.register_blueprint(phonecard_api.bp)
    app.register_blueprint(card_batches_api.bp)
    app.register_blueprint(card_batches_api.activation_bp)
    app.register_blueprint(activation_page.bp)
    app.register_blueprint(pools_api.admin_bp)
    app.register_blueprint(pools_api.device_bp)
    app.register_blueprint(catalogue_api.bp)
    app.register_blueprint(history_api.bp)
    app.register_blueprint(lookup_api.bp)
    app.register_blueprint(orders_api.bp)
    return app
