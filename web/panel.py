"""Virtual hardware panel (demo, emulated mode): lay a card, scan a QR, paper out/back, unplug the printer.

A standalone page at /panel/ with its own CSS and JS, and JSON endpoints (POST, JSON body) the page and
browser tests drive. The device manager is `current_app.extensions["kiosk.devices"]`; the demo cards are
`current_app.extensions.get("kiosk.demo_cards", [])` (dicts with "uid" and "label"). Element ids the
browser tests use: card-select, card-uid, present-card, remove-card, qr-payload, scan-qr, paper-out,
paper-back, unplug-printer, replug-printer, devices, receipts (one .receipt per printed receipt), jobs.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from hardware.errors import InvalidDeviceCommand

bp = Blueprint(
    "panel",
    __name__,
    url_prefix="/panel",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def _manager():
    manager = current_app.extensions.get("kiosk.devices")
    if manager is None:
        abort(404)
    return manager


def _controls():
    controls = getattr(_manager(), "emulators", None)
    if controls is None:
        raise InvalidDeviceCommand('the virtual hardware panel needs hardware.mode = "emulated"')
    return controls


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidDeviceCommand("send a JSON object")
    return body


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidDeviceCommand(f"'{key}' is required (text)")
    return value


@bp.get("/")
def index():
    return render_template("panel/index.html", demo_cards=current_app.extensions.get("kiosk.demo_cards", []))


@bp.get("/state")
def state():
    """Everything the page shows: device statuses, emulator state, print jobs, printed receipts."""
    manager = _manager()
    controls = getattr(manager, "emulators", None)
    devices = {name: {"state": s.state, "detail": s.detail} for name, s in sorted(manager.status().items())}
    jobs = [{"job_id": j.job_id, "state": j.state, "reason": j.reason, "partial": j.partial} for j in manager.jobs()]
    return jsonify(
        devices=devices,
        emulated=controls is not None,
        emulator=controls.state() if controls is not None else {},
        jobs=jobs,
        receipts=_receipts(controls),
        demo_cards=current_app.extensions.get("kiosk.demo_cards", []),
    )


def _receipts(controls) -> list[dict]:
    if controls is None:
        return []
    return [
        {"index": i, "text": r.text, "complete": r.complete, "qr_codes": list(r.qr_codes)}
        for i, r in enumerate(controls.receipts())
    ]


@bp.get("/receipts")
def receipts():
    return jsonify(receipts=_receipts(_controls()))


@bp.post("/card")
def present_card():
    uid = _controls().present_card(_text(_body(), "uid"))
    return jsonify(ok=True, uid=uid)


@bp.post("/card/remove")
def remove_card():
    _controls().remove_card()
    return jsonify(ok=True)


@bp.post("/scan")
def scan():
    _controls().scan_qr(_text(_body(), "payload"))
    return jsonify(ok=True)


_PRINTER_ACTIONS = {
    "paper-out": "paper_out",
    "paper-back": "paper_back",
    "unplug": "unplug_printer",
    "replug": "replug_printer",
}


@bp.post("/printer/<action>")
def printer(action: str):
    method = _PRINTER_ACTIONS.get(action)
    if method is None:
        abort(404)
    getattr(_controls(), method)()
    return jsonify(ok=True)


@bp.post("/jobs/<job_id>/reprint")
def reprint(job_id: str):
    _manager().reprint(job_id)
    return jsonify(ok=True)
