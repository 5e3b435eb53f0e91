"""Head office back office on central: sign-in with roles, the earning scale editor, reports, catalogue
and cashiers, every change audited. `init_app(app)` mounts it under `/backoffice`."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from central.backoffice import (
    auth,
    card_batch_views,
    catalogue_views,
    customer_views,
    data_safety_views,
    device_pages,
    i18n,
    order_channels_views,
    pages,
    pool_views,
    reports_views,
    rules,
    rules_views,
    staff_views,
    terms_views,
    users_views,
)
from central.backoffice.accounts import SignIn
from central.backoffice.session_key import session_key
from central.backoffice.web import bp, csrf
from central.transactions import in_transaction

for _child in (
    auth.bp,
    pages.bp,
    rules_views.bp,
    reports_views.bp,
    catalogue_views.bp,
    staff_views.bp,
    terms_views.bp,
    device_pages.bp,
    users_views.bp,
    data_safety_views.bp,
    order_channels_views.bp,
    customer_views.bp,
    card_batch_views.bp,
    pool_views.bp,
):
    bp.register_blueprint(_child)

log = logging.getLogger(__name__)
#: How often serving central checks whether a dated earning-rules version has become due.
PUBLISH_CHECK_S = 60.0


def init_app(app: Flask) -> None:
    """Register the back office on a central app whose engine is already in `app.extensions`."""
    engine = app.extensions["central.engine"]
    app.config.update(
        SECRET_KEY=in_transaction(engine, session_key),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_CHECK_DEFAULT=False,  # the JSON APIs use bearer tokens; the back office calls protect()
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["backoffice.sign_in"] = SignIn()
    csrf.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(bp)
    _schedule_rule_publishing(app)


def _schedule_rule_publishing(app: Flask) -> None:
    """Publish a dated rules version on the first request after its day comes (checked once a minute)."""
    state = {"next": 0.0}
    lock = threading.Lock()

    @app.before_request
    def _publish_due_rules() -> None:
        now = time.monotonic()
        with lock:
            if now < state["next"]:
                return
            state["next"] = now + PUBLISH_CHECK_S
        try:
            in_transaction(app.extensions["central.engine"], lambda c: rules.publish_due(c, date.today()))
        except SQLAlchemyError as exc:  # never fail a device's request for this; the next check retries
            log.warning("could not publish due earning rules: %s", type(exc).__name__)
