"""Catalogue editor pages (head office): rewards, partner vouchers and their pool alerts."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from central.backoffice import catalogue
from central.backoffice.web import head_office_only, transaction
from kiosk.errors import BadRequest, NotFound

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def _page(error: str | None = None, form: dict | None = None, status: int = 200):
    entries = transaction(catalogue.list_entries)
    return render_template("backoffice/catalogue.html", entries=entries, error=error, form=form or {}), status


@bp.get("/")
@head_office_only
def index():
    return _page()


@bp.post("/")
@head_office_only
def save():
    form = request.form.to_dict()
    try:
        transaction(lambda c: catalogue.save_reward(c, g.user.user_id, form.get("reward_id", ""), form))
    except (BadRequest, NotFound) as exc:
        return _page(str(exc), form, 400)
    return redirect(url_for("backoffice.catalogue.index", saved=form.get("reward_id")))


@bp.post("/alerts")
@head_office_only
def alert():
    form = request.form.to_dict()
    try:
        transaction(lambda c: catalogue.set_alert_level(c, g.user.user_id, form.get("partner", ""),
                                                        form.get("alert_below")))
    except BadRequest as exc:
        return _page(str(exc), None, 400)
    return redirect(url_for("backoffice.catalogue.index"))
