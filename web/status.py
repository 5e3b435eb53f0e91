"""The device's status page and its JSON twin: who this device is and what its store holds."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from loyalty.domain import business_clock
from web.ops import LOOPBACK_HOSTS, host_name

bp = Blueprint("status", __name__)


@bp.app_context_processor
def _device_banners() -> dict:
    """Every page says when the disk is full (balances still show) or the till's clock is wrong."""
    disk = getattr(current_app.extensions.get("kiosk.service"), "disk", None)
    skew = business_clock.skew_s()
    return {
        "disk_full": bool(disk is not None and disk.full),
        "clock_off": _hours_or_minutes(abs(skew)) if skew else None,
        "clock_ahead": skew > 0,
    }


def _hours_or_minutes(seconds: float) -> str:
    return f"{seconds / 3600:.0f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


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
