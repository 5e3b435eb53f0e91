"""Users page (head office): every back-office account, its role and stores; a manager's stores are
changed here (audited with ids only). Accounts themselves are made with `python -m central.backoffice`."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from central.backoffice import store_assignments
from central.backoffice.accounts import list_users
from central.backoffice.web import head_office_only, transaction
from central.devices import list_devices
from central.errors import BadRequest, NotFound

bp = Blueprint("users", __name__, url_prefix="/users")


def _page(error: str | None = None, status: int = 200):
    users, known = transaction(lambda c: (list_users(c), [d.device_id for d in list_devices(c)]))
    return render_template("backoffice/users.html", users=users, devices=known, error=error), status


@bp.get("/")
@head_office_only
def index():
    return _page()


@bp.post("/<user_id>/stores")
@head_office_only
def set_stores(user_id: str):
    stores = request.form.getlist("store")
    try:
        transaction(lambda c: store_assignments.set_stores(c, g.user.user_id, user_id, stores))
    except (BadRequest, NotFound) as exc:
        return _page(str(exc), 404 if isinstance(exc, NotFound) else 400)
    return redirect(url_for("backoffice.users.index", saved=1))
