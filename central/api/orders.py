"""Order-system API: web shop, catalogue and partner systems earn and refund points for orders, server to server.

Every call carries an order-channel key (`Authorization: Bearer lk_...`); the key is checked and its request
counted in a transaction of its own (a refused order still counts against the rate limit), then the order is
handled in another. A replayed answer is the stored one, flagged by the `Idempotent-Replayed: true` header.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify, request

from central import channel_keys, order_webhooks, orders
from central.channel_keys import ChannelKey
from central.requests import bearer_token, json_object
from central.transactions import in_transaction

bp = Blueprint("orders", __name__, url_prefix="/api/orders")


def _engine():
    return current_app.extensions["central.engine"]


def _key(scope: str) -> ChannelKey:
    token = bearer_token()

    def check(connection):
        key = channel_keys.authenticate(connection, token, scope)
        channel_keys.count_request(connection, key)
        return key

    return in_transaction(_engine(), check)


def _answer(work: Callable, scope: str):
    key = _key(scope)
    body = json_object()
    answer, replayed = in_transaction(_engine(), lambda c: work(c, key, body))
    response = jsonify(answer)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return response


@bp.post("/earn")
def earn():
    return _answer(orders.earn_order, "earn")


@bp.post("/refund")
def refund():
    return _answer(orders.refund_order, "refund")


@bp.post("/lookup")
def lookup():
    _key("lookup")
    body = json_object()
    return jsonify(in_transaction(_engine(), lambda c: orders.look_up(c, body)))


@bp.post("/webhook")
def webhook():
    """An order event signed with the key's webhook secret (`central.order_webhooks`)."""
    body = request.get_data()

    def check(connection):
        key, scope, data = order_webhooks.verify(
            connection,
            request.headers.get("X-Loyalty-Key"),
            request.headers.get("X-Loyalty-Timestamp"),
            request.headers.get("X-Loyalty-Signature"),
            body,
        )
        channel_keys.count_request(connection, key)
        return key, scope, data

    key, scope, data = in_transaction(_engine(), check)
    work = orders.earn_order if scope == "earn" else orders.refund_order
    answer, replayed = in_transaction(_engine(), lambda c: work(c, key, data))
    response = jsonify(answer)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return response
