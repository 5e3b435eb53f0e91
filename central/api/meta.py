"""Health check and the OpenAPI document (no token needed)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from central.openapi import document

bp = Blueprint("meta", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    with current_app.extensions["central.engine"].connect() as connection:
        connection.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/openapi.json")
def openapi():
    s = current_app.extensions["central.settings"]
    return jsonify(document(s.max_batch_events, s.max_pull_rows, s.max_body_bytes))
