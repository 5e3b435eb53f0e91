"""The device's status page and its JSON twin: who this device is and what its store holds."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("status", __name__)


@bp.app_context_processor
def _disk_banner() -> dict:
    """Every page says when the disk is full: balances still show, nothing new is recorded."""
    service = current_app.extensions.get("kiosk.service")
    return {"disk_full": bool(service is not None and service.disk.full)}


def _state():
    return current_app.extensions["kiosk.service"].state()


@bp.get("/")
def home():
    return render_template("status.html", state=_state(), has_panel="panel" in current_app.blueprints)


@bp.get("/api/status")
def status_json():
    return jsonify(dataclasses.asdict(_state()))
