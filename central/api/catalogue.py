"""Catalogue for devices: every reward with its active flag, so a kiosk can list and withdraw them at once."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from central import devices as device_registry
from central.requests import bearer_token
from central.schema import catalogue
from central.transactions import in_transaction

bp = Blueprint("catalogue", __name__, url_prefix="/api")
FIELDS = ("reward_id", "kind", "name", "points_price", "stock", "partner", "face_value_cents", "active")


@bp.get("/catalogue")
def rewards():
    token = bearer_token()

    def work(connection):
        device_registry.authenticate(connection, token)
        rows = connection.execute(select(*(catalogue.c[name] for name in FIELDS)).order_by(catalogue.c.reward_id))
        return [dict(row._mapping) for row in rows]

    return jsonify(rewards=in_transaction(current_app.extensions["central.engine"], work))
