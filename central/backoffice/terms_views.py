"""Tiers and expiry page (head office): the rules devices pull, and the expiry run."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, redirect, render_template, request, url_for

from central.backoffice import loyalty_terms
from central.backoffice.web import head_office_only, transaction
from central.errors import BadRequest

bp = Blueprint("terms", __name__, url_prefix="/terms")


def _page(error: str | None = None, status: int = 200, ran: tuple[int, int] | None = None):
    tiers, expiry = transaction(
        lambda c: (
            loyalty_terms.read_setting(c, loyalty_terms.TIERS),
            loyalty_terms.read_setting(c, loyalty_terms.EXPIRY),
        )
    )
    tiers = tiers or {"period_days": 365, "tiers": [{"name": "bronze", "min_points": 0}]}
    expiry = expiry or {"after_days": 365, "notice_days": 30}
    return render_template("backoffice/terms.html", tiers=tiers, expiry=expiry, error=error, ran=ran), status


@bp.get("/")
@head_office_only
def index():
    return _page()


@bp.post("/tiers")
@head_office_only
def save_tiers():
    try:
        scale = loyalty_terms.tiers_from_form(request.form)
        transaction(lambda c: loyalty_terms.save_tiers(c, g.user.user_id, scale))
    except BadRequest as exc:
        return _page(str(exc), 400)
    return redirect(url_for("backoffice.terms.index", saved=1))


@bp.post("/expiry")
@head_office_only
def save_expiry():
    try:
        rule = loyalty_terms.expiry_from_form(request.form)
        transaction(lambda c: loyalty_terms.save_expiry(c, g.user.user_id, rule))
    except BadRequest as exc:
        return _page(str(exc), 400)
    return redirect(url_for("backoffice.terms.index", saved=1))


@bp.post("/expiry/run")
@head_office_only
def run_expiry():
    try:
        ran = transaction(lambda c: loyalty_terms.run_expiry(c, g.user.user_id, date.today()))
    except BadRequest as exc:
        return _page(str(exc), 400)
    return _page(ran=ran)
