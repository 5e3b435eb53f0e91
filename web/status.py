"""The device's status page and its JSON twin: who this device is and what its store holds."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from web.ops import LOOPBACK_HOSTS, host_name

bp = Blueprint("status", __name__)


def _state():
    return current_app.extensions["kiosk.service"].state()


@bp.get("/")
def home():
    return render_template("status.html", state=_state(), has_panel="panel" in current_app.blueprints)


@bp.get("/api/status")
def status_json():
    if host_name(request.host).lower() not in LOOPBACK_HOSTS:  # the CLI's call, never a rebinding page's
        abort(403)
    return jsonify(dataclasses.asdict(_state()))
