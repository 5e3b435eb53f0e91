"""Catalogue editor pages (head office): rewards, partner vouchers and their pool alerts."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from central.backoffice import catalogue
from central.backoffice.web import head_office_only, transaction
from central.errors import BadRequest, NotFound

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def _page(error: str | None = None, form: dict | None = None, status: int = 200):
    entries, pictured = transaction(lambda c: (catalogue.list_entries(c), catalogue.with_pictures(c)))
    return render_template(
        "backoffice/catalogue.html", entries=entries, pictured=pictured, error=error, form=form or {}
    ), status


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
        transaction(
            lambda c: catalogue.set_alert_level(c, g.user.user_id, form.get("partner", ""), form.get("alert_below"))
        )
    except BadRequest as exc:
        return _page(str(exc), None, 400)
    return redirect(url_for("backoffice.catalogue.index"))


@bp.post("/<reward_id>/picture")
@head_office_only
def upload_picture(reward_id: str):
    upload = request.files.get("picture")
    data = upload.read(catalogue.MAX_PICTURE_BYTES + 1) if upload else b""
    try:
        transaction(lambda c: catalogue.save_picture(c, g.user.user_id, reward_id, data))
    except (BadRequest, NotFound) as exc:
        return _page(str(exc), None, 400)
    return redirect(url_for("backoffice.catalogue.index", saved=reward_id))


@bp.get("/<reward_id>/picture")
def show_picture(reward_id: str):
    mime, data = transaction(lambda c: catalogue.picture(c, reward_id))
    return Response(
        data, mimetype=mime, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=60"}
    )
