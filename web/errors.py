"""The one place where errors become HTTP answers: JSON for the API, a calm page for people."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hardware.errors import HardwareError, InvalidDeviceCommand, UnknownPrintJob
from loyalty import errors as e

logger = logging.getLogger(__name__)

#: Most specific first: the first matching class gives the status code.
HTTP_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (e.ForeignCard, 422),
    (e.UnknownCard, 404),
    (e.UnknownCustomer, 404),
    (e.UnknownReceipt, 404),
    (e.CardBlocked, 409),
    (e.CardAlreadyLinked, 409),
    (e.CardNotKnowable, 409),
    (e.CardNeedsCentral, 409),
    (e.VoucherOutOfStock, 409),
    (e.InsufficientPoints, 409),
    (e.NothingToReverse, 409),
    (e.ReceiptNeedsCentral, 503),
    (InvalidDeviceCommand, 400),
    (UnknownPrintJob, 409),
    (e.InvalidAmount, 422),
    (e.InvalidEvent, 422),
    (e.DomainError, 422),
    (e.SignInRefused, 403),
    (e.ConfigError, 500),
    (e.StoreWriteError, 507),
    (e.StoreError, 503),
    (HardwareError, 503),
    (e.SyncError, 503),
    (e.KioskError, 500),
)


#: What the product reports to a person: its own errors and the hardware's.
REPORTED = (e.KioskError, HardwareError)


def status_for(error: e.KioskError | HardwareError) -> int:
    return next(code for cls, code in HTTP_STATUS if isinstance(error, cls))


def _wants_json() -> bool:
    """The API, a caller that asks for JSON, or one that sent JSON (the hardware panel's buttons)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json" or request.is_json


def init_app(app: Flask) -> None:
    @app.errorhandler(HardwareError)
    @app.errorhandler(e.KioskError)
    def kiosk_error(error: e.KioskError | HardwareError):
        code = status_for(error)
        logger.warning("%s on %s: %s", type(error).__name__, request.path, code)
        body = {"error": type(error).__name__, "message": str(error), "kinds": e.error_codes(error)}
        disk = getattr(current_app.extensions.get("kiosk.service"), "disk", None)
        if isinstance(error, e.StoreError) and disk is not None and disk.noticed(error):
            body["error"] = "DiskFull"  # the screens say "disk full" in their own language
            body["kinds"] = ["DiskFull", *body["kinds"]]
        if _wants_json():
            return jsonify(body), code
        return render_template("error.html", code=code, message=str(error)), code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify({"error": error.name, "message": error.description}), error.code
        return render_template("error.html", code=error.code, message=error.description), error.code
