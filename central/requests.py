"""Reading requests: JSON bodies, query integers and bearer tokens, each refused with a clear 4xx."""

from __future__ import annotations

import json

from flask import request

from central.errors import BadRequest

#: Deepest nesting of arrays and objects a request body may have (an event's lines are 4 levels down).
MAX_JSON_DEPTH = 16


def json_object() -> dict:
    """The body as a JSON object, refused with a 400 when it is not JSON, not an object or nested too deep."""
    if not request.is_json:
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"the request body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return body


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, counted without parsing it (brackets in strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw.translate(None, _DULL):  # only brackets, quotes and backslashes matter
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


_DULL = bytes(b for b in range(256) if b not in b'[]{}"\\')


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
