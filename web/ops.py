"""Local-only operations for the `kiosk` command while the service runs: backup, sync now, device tests.

Only requests from the loopback address, naming a loopback host, are served: a page in the Pi's own browser
whose name was re-pointed at 127.0.0.1 (DNS rebinding) still sends its own name as Host. The POST endpoints
also need the `X-Kiosk-Ops: 1` header, which a web page cannot send cross-origin without a preflight, so a
page shown in the kiosk browser cannot trigger them.
"""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, abort, current_app, jsonify, request

from device.device_tests import wait_for_job

bp = Blueprint("ops", __name__, url_prefix="/api/ops")

OPS_HEADER = "X-Kiosk-Ops"
#: Device events the reader test shows.
TEST_EVENTS = frozenset({"card_tapped", "card_removed", "status_changed", "qr_scanned"})
KEEPALIVE_S = 1.0


def _service():
    return current_app.extensions["kiosk.service"]


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(host: str) -> str:
    """The name part of a Host header: 'localhost:8080' -> 'localhost', '[::1]:8080' -> '::1'."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@bp.before_request
def _local_only():
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)
    if host_name(request.host).lower() not in LOOPBACK_HOSTS:
        abort(403)
    if request.method == "POST" and request.headers.get(OPS_HEADER) != "1":
        abort(403)


@bp.get("/backup")
def backup():
    data = _service().backup_archive()
    return Response(
        data, mimetype="application/gzip", headers={"Content-Disposition": "attachment; filename=kiosk-backup.tar.gz"}
    )


@bp.post("/sync")
def sync_now():
    service = _service()
    started = service.sync_now()
    return jsonify({"started": started, "sync": service.sync_state()})


@bp.post("/test-print")
def test_print():
    service = _service()
    job_id = service.print_test_page()
    state, reason = wait_for_job(service.devices, job_id, timeout_s=float(request.args.get("wait", 30)))
    return jsonify({"job_id": job_id, "state": state, "reason": reason, "devices": service.device_states()})


@bp.get("/events")
def events():
    """Server-Sent Events of the card reader, scanner and device states, for `kiosk test-reader`."""
    service = _service()
    subscription = service.bus.subscribe()
    states = service.device_states()

    def stream():
        with subscription:
            yield f"event: devices\ndata: {json.dumps(states)}\n\n"
            last = time.monotonic()
            for message in subscription.messages(timeout=KEEPALIVE_S):
                if message is not None and message.kind in TEST_EVENTS:
                    yield f"event: {message.kind}\ndata: {json.dumps(message.data)}\n\n"
                    last = time.monotonic()
                elif time.monotonic() - last >= KEEPALIVE_S:
                    yield ": keep-alive\n\n"  # a closed connection is noticed on the next write
                    last = time.monotonic()

    return Response(stream(), mimetype="text/event-stream", headers={"Cache-Control": "no-store"})
