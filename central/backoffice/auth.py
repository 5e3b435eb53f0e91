"""Sign-in and sign-out pages; the session holds only the user id."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from central.backoffice.accounts import SignIn
from central.backoffice.sessions import end_sessions
from central.backoffice.web import transaction
from loyalty.errors import SignInLocked, SignInRefused

bp = Blueprint("auth", __name__)


def _sign_in_checker() -> SignIn:
    return current_app.extensions["backoffice.sign_in"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an address elsewhere."""
    if target and target.startswith("/backoffice") and not urlsplit(target).netloc:
        return target
    return url_for("backoffice.home.index")


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    error = None
    if request.method == "POST":
        user_id, password = request.form.get("user_id", ""), request.form.get("password", "")
        try:
            user = transaction(
                lambda c: _sign_in_checker().authenticate(c, user_id.strip(), password, request.remote_addr or "-")
            )
        except SignInLocked:
            error = _("Sign-in is locked after repeated failures; try again later.")
        except SignInRefused:
            error = _("Wrong user name or password.")
        else:
            lang = session.get("lang")
            session.clear()
            session["user_id"] = user.user_id
            session["generation"] = user.generation
            if lang:
                session["lang"] = lang
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("backoffice/signin.html", error=error), 401 if error else 200


@bp.post("/signout")
def sign_out():
    if g.user is not None:  # every copy of this account's session cookie ends now, not in 8 hours
        transaction(lambda c: end_sessions(c, g.user.user_id))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.user = None
    return redirect(url_for("backoffice.auth.sign_in"))
