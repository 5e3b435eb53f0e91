"""Authenticate devices before anything else: the routes the OpenAPI document marks `device` need a token
checked before their body or query is read, so a caller without one learns nothing but 401."""

from __future__ import annotations

import re

from flask import Flask, current_app, g, request

from central import devices as device_registry
from central import openapi
from central.requests import bearer_token
from central.transactions import in_transaction

_PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def device_routes(document: dict) -> set[tuple[str, str]]:
    """(path, METHOD) of every operation whose security is the device token."""
    return {
        (path, method.upper())
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if op.get("security") == [{"device": []}]
    }


def init_app(app: Flask) -> None:
    settings = app.extensions["central.settings"]
    guarded = device_routes(
        openapi.document(settings.max_batch_events, settings.max_pull_rows, settings.max_body_bytes)
    )

    @app.before_request
    def _authenticate_device() -> None:
        rule = request.url_rule
        if rule is None or (_PARAM.sub(r"{\1}", rule.rule), request.method) not in guarded:
            return
        token = bearer_token()
        g.device_id = in_transaction(
            current_app.extensions["central.engine"], lambda c: device_registry.authenticate(c, token)
        )
