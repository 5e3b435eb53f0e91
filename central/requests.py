"""Reading requests: JSON bodies, query integers and bearer tokens, each refused with a clear 4xx."""

from __future__ import annotations

from flask import request

from kiosk.errors import BadRequest


def json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return body


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"query parameter {name} must be a whole number from {low} to {high}")
    return int(raw)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def text_field(body: dict, name: str, max_length: int = 200, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise BadRequest(f"{name} must be text of 1 to {max_length} characters")
    return value
