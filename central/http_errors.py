"""The one place where central turns errors into HTTP answers: a JSON body `{"error": ..., "message": ...}`.

Refusals are 4xx with a message for a person and change nothing (the transaction is rolled back);
a database that is busy or unreachable is a 503 with Retry-After, so devices back off and retry.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException

from central.errors import (
    AuthenticationFailed,
    BadRequest,
    CardIsBlocked,
    CentralError,
    Conflict,
    EnrolmentRefused,
    EventRefused,
    KeyScopeRefused,
    NotFound,
    RateLimited,
    RequestTooLarge,
    VoucherPoolEmpty,
)
from loyalty.errors import (
    DomainError,
    InvalidEvent,
    PhoneCodeReplayed,
)

log = logging.getLogger(__name__)

STATUS: dict[type[Exception], int] = {
    BadRequest: 400,
    InvalidEvent: 400,
    EventRefused: 422,
    AuthenticationFailed: 401,
    EnrolmentRefused: 403,
    KeyScopeRefused: 403,
    NotFound: 404,
    Conflict: 409,
    CardIsBlocked: 410,
    VoucherPoolEmpty: 409,
    PhoneCodeReplayed: 409,
    RequestTooLarge: 413,
    RateLimited: 429,
    DomainError: 422,
    CentralError: 400,
}


def status_for(exc: Exception) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _answer(status: int, error: str, message: str, headers: dict[str, str] | None = None, **extra: object):
    response = jsonify(error=error, message=message, **extra)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CentralError)
    @app.errorhandler(DomainError)
    def _refused(exc: Exception):
        status = status_for(exc)
        headers = {401: {"WWW-Authenticate": "Bearer"}, 429: {"Retry-After": "60"}}.get(status)
        extra = {"event_id": exc.event_id} if isinstance(exc, EventRefused) else {}
        return _answer(status, type(exc).__name__, str(exc), headers, **extra)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        messages = {
            413: "the request body is larger than central accepts",
            404: "no such API path",
            405: "this method is not allowed on this path",
        }
        allow = {k: v for k, v in exc.get_headers() if k == "Allow"}  # a 405 names the methods the path takes
        return _answer(exc.code or 500, type(exc).__name__, messages.get(exc.code or 0, exc.description or ""), allow)

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        return _answer(
            400, "BadRequest", "a value in the request does not fit what central stores; nothing was changed"
        )

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        log.warning("database unavailable or busy: %s", type(exc.orig).__name__ if exc.orig else type(exc).__name__)
        return _answer(
            503, "Unavailable", "the central database is busy or unreachable; retry shortly", {"Retry-After": "2"}
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error while answering a request")
        return _answer(500, "InternalError", "central failed to answer; the error is in its log")
