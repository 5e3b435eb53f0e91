"""The order-system paths of central's OpenAPI document (`central.openapi` adds them to the rest)."""

from __future__ import annotations

from typing import Any

from central.channel_keys import SCOPES
from central.openapi import INT, STR, _json, _obj, _ok, _op

_ORDER_ID = {"type": "string", "pattern": "^[A-Za-z0-9._:/-]{1,48}$"}


def paths(max_receipt_cents: int) -> dict[str, Any]:
    """The paths, with the amount bound every order is held to (the tills' receipt maximum)."""
    cents = {"type": "integer", "minimum": 0, "maximum": max_receipt_cents}
    customer = {
        "card_number": {
            "type": "string",
            "maxLength": 64,
            "description": "The printed card number (or phone card number)",
        },
        "email": {
            "type": "string",
            "format": "email",
            "description": "The customer's e-mail, when no card number is known",
        },
    }
    earned = _obj(
        {
            "order_id": STR,
            "channel": STR,
            "earn_id": STR,
            "amount_cents": INT,
            "points": INT,
            "uncapped_points": INT,
            "capped_by": {"type": ["string", "null"], "enum": ["receipt", "day", None]},
            "pool_points": INT,
            "balance": {"type": "integer"},
        },
        ("order_id", "channel", "earn_id", "points", "balance"),
    )
    refunded = _obj(
        {
            "order_id": STR,
            "refund_id": STR,
            "channel": STR,
            "refund_cents": INT,
            "points_reversed": INT,
            "pool_points_returned": INT,
            "balance": {"type": "integer"},
        },
        ("order_id", "refund_id", "points_reversed", "balance"),
    )
    replay_note = (
        " The same request sent again (same channel and order id) changes nothing and gets the same "
        "answer, with the header Idempotent-Replayed: true; the same ids with other details are "
        "refused with 409."
    )
    return {
        "/api/orders/earn": {
            "post": _op(
                "Credit the points of a web-shop, catalogue or partner order, on the tills' earning scale and caps "
                "(key scope: earn)." + replay_note,
                _ok("Credited (or the earlier answer for this order)", earned),
                body=_json(
                    {
                        **_obj(
                            {
                                "order_id": _ORDER_ID,
                                **customer,
                                "amount_cents": cents,
                                "lines": {
                                    "type": "object",
                                    "maxProperties": 20,
                                    "additionalProperties": cents,
                                    "description": "Cents per category, instead of amount_cents",
                                },
                            },
                            ("order_id",),
                        ),
                        "description": "One of card_number or email, and one of amount_cents or lines",
                    }
                ),
                auth="channel",
                errors=(400, 401, 403, 404, 409, 422, 429),
            )
        },
        "/api/orders/refund": {
            "post": _op(
                "Take back the refunded share of an order's points, once per refund id; without refund_cents the "
                "whole rest of the order (key scope: refund)." + replay_note,
                _ok("Taken back (or the earlier answer for this refund)", refunded),
                body=_json(
                    _obj(
                        {"order_id": _ORDER_ID, "refund_id": _ORDER_ID, "refund_cents": cents},
                        ("order_id", "refund_id"),
                    )
                ),
                auth="channel",
                errors=(400, 401, 403, 409, 422, 429),
            )
        },
        "/api/orders/webhook": {
            "post": _op(
                "An order event pushed by the order system: {event: order.paid | order.refunded, data: the body of "
                "/api/orders/earn or /api/orders/refund}, signed with the key's webhook secret: header "
                "X-Loyalty-Signature: v1=hex(HMAC-SHA256(secret, timestamp + '.' + raw body)), with X-Loyalty-Key "
                "(the key id) and X-Loyalty-Timestamp (unix seconds, within 300 s of central's clock)." + replay_note,
                _ok("The answer of the earn or refund", {"oneOf": [earned, refunded]}),
                body=_json(
                    _obj(
                        {"event": {"enum": ["order.paid", "order.refunded"]}, "data": {"type": "object"}},
                        ("event", "data"),
                    )
                ),
                auth=None,
                errors=(400, 401, 403, 404, 409, 422, 429),
            )
        },
        "/api/orders/lookup": {
            "post": _op(
                "Whether a card number or e-mail names a customer, and the balance (key scope: lookup)",
                _ok(
                    "Known",
                    _obj(
                        {
                            "known": {"type": "boolean"},
                            "card_number": {"type": ["string", "null"]},
                            "balance": {"type": "integer"},
                        },
                        ("known", "balance"),
                    ),
                ),
                body=_json(_obj(customer)),
                auth="channel",
                errors=(400, 401, 403, 404, 409, 429),
            )
        },
    }


SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An order-channel API key lk_..., made in the back office with scopes " + ", ".join(SCOPES),
}
