"""History API: a device reads a customer's recent operations for the kiosk's "last operations"."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, jsonify, request

from central import devices as device_registry
from central.history import MAX_OPERATIONS, recent_operations
from central.requests import bearer_token
from central.transactions import in_transaction
from loyalty.errors import InvalidAmount

bp = Blueprint("history", __name__, url_prefix="/api/customers")


@bp.get("/<customer_id>/operations")
def operations(customer_id: str):
    token = bearer_token()
    text = request.args.get("limit", "10")
    if not text.isdigit():
        raise InvalidAmount(f"limit is a whole number from 1 to {MAX_OPERATIONS}")

    def work(connection):
        device_registry.authenticate(connection, token)
        return recent_operations(connection, customer_id, int(text))

    found = in_transaction(current_app.extensions["central.engine"], work)
    return jsonify(customer_id=customer_id, operations=[dataclasses.asdict(op) for op in found])
