"""The back office's parent blueprint: sign-in required, CSRF on every form, errors shown as pages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

from central.backoffice import audit_display, local_display
from central.backoffice.accounts import BackofficeUser, find_user
from central.backoffice.money import format_euros
from central.errors import NotAllowed, NotFound
from central.transactions import in_transaction
from loyalty.errors import KioskError, SignInRefused

log = logging.getLogger(__name__)

bp = Blueprint(
    "backoffice",
    __name__,
    url_prefix="/backoffice",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()
#: Endpoints open without signing in.
PUBLIC = {"backoffice.auth.sign_in", "backoffice.static"}


def engine():
    return current_app.extensions["central.engine"]


def transaction(work: Callable):
    return in_transaction(engine(), work)


@bp.before_request
def _guard():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    g.user = None
    user_id = session.get("user_id")
    if user_id:
        g.user = transaction(lambda c: find_user(c, user_id))
        if g.user is not None and session.get("generation") != g.user.generation:
            g.user = None  # signed out, or the account changed since: this cookie is over
        if g.user is None:
            session.pop("user_id", None)
            session.pop("generation", None)
    if g.user is None and request.endpoint not in PUBLIC:
        return redirect(url_for("backoffice.auth.sign_in", next=request.full_path if request.method == "GET" else None))
    return None


def head_office_only(view: Callable) -> Callable:
    """Pages that change the chain-wide scale, catalogue or users."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user: BackofficeUser = g.user
        if not user.is_head_office:
            raise NotAllowed(_("This page is for head office."))
        return view(*args, **kwargs)

    return wrapped


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError):
    return render_template(
        "backoffice/error.html",
        message=_("The form expired or did not come from this site. Reload the page and try again."),
    ), 400


@bp.errorhandler(NotAllowed)
def _not_allowed(exc: NotAllowed):
    return render_template("backoffice/error.html", message=str(exc)), 403


@bp.errorhandler(SignInRefused)
def _refused(exc: SignInRefused):
    return render_template("backoffice/error.html", message=str(exc)), 401


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return render_template("backoffice/error.html", message=str(exc)), 404


@bp.errorhandler(KioskError)
def _kiosk_error(exc: KioskError):
    return render_template("backoffice/error.html", message=str(exc)), 400


@bp.app_context_processor
def _user() -> dict:
    decimal = "," if str(get_locale()) == "fr" else "."
    return {"backoffice_user": g.get("user"), "euros": lambda cents: format_euros(cents, decimal)}


@bp.app_template_filter("local_time")
def _local_time(stamp: object) -> str:
    return local_display.local_time(stamp)


@bp.app_template_filter("local_day")
def _local_day(stamp: object) -> str:
    return local_display.local_day(stamp)


@bp.app_template_filter("audit_lines")
def _audit_lines(value: object, action: str) -> list[str]:
    return audit_display.audit_lines(value, action, str(get_locale()))


@bp.app_template_filter("decimal")
def _decimal(value: float, places: int = 1) -> str:
    return local_display.decimal(value, "," if str(get_locale()) == "fr" else ".", places)
