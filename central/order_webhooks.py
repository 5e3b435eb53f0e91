"""Signed order webhooks: an order system may push `order.paid` and `order.refunded` events instead of calling.

The body is signed with HMAC-SHA256 over `<timestamp>.<raw body>` with the key's webhook secret, sent as
`X-Loyalty-Signature: v1=<hex>` with `X-Loyalty-Key: <key id>` and `X-Loyalty-Timestamp: <unix seconds>`.
A timestamp more than five minutes away is refused, so a captured request cannot be replayed later; within
those minutes a replay is harmless, since orders are idempotent by (channel, order id).

The webhook secret of a key is HMAC-SHA256(central's webhook key, key id): central recomputes it rather than
store it, and shows it once, with the API key, when the key is made.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets

from sqlalchemy import Connection, select

from central.channel_keys import ChannelKey, from_row
from central.clock import epoch_s
from central.errors import AuthenticationFailed, BadRequest, KeyScopeRefused
from central.schema import backoffice_keys, channel_keys
from central.sql import insert_for

WEBHOOK_KEY = "order_webhook"
TOLERANCE_S = 300
#: What each webhook event does and the key scope it needs.
EVENTS = {"order.paid": "earn", "order.refunded": "refund"}
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


def _master(connection: Connection) -> bytes:
    statement = insert_for(connection, backoffice_keys).on_conflict_do_nothing(index_elements=["name"])
    connection.execute(statement, {"name": WEBHOOK_KEY, "value": secrets.token_urlsafe(48)})
    return (
        connection.execute(select(backoffice_keys.c.value).where(backoffice_keys.c.name == WEBHOOK_KEY))
        .scalar_one()
        .encode()
    )


def webhook_secret(connection: Connection, key_id: str) -> str:
    """The secret an order system signs its webhooks with (the same on every central instance)."""
    return "whsec_" + hmac.new(_master(connection), key_id.encode(), hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Loyalty-Signature` value for a body (what an order system computes; the tests use it too)."""
    return "v1=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(
    connection: Connection,
    key_id: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now_s: int | None = None,
) -> tuple[ChannelKey, str, dict]:
    """The live key, the event's scope and its data, if the signature and time hold; refused otherwise."""
    if not key_id or not timestamp or not signature:
        raise AuthenticationFailed(
            "a webhook needs the X-Loyalty-Key, X-Loyalty-Timestamp and X-Loyalty-Signature headers"
        )
    if not timestamp.isdigit() or abs((epoch_s() if now_s is None else now_s) - int(timestamp)) > TOLERANCE_S:
        raise AuthenticationFailed(
            f"the webhook's timestamp is more than {TOLERANCE_S} seconds from central's "
            "clock; check the sender's clock and send it again, newly signed"
        )
    match = _SIGNATURE.match(signature)
    row = connection.execute(select(channel_keys).where(channel_keys.c.key_id == key_id[:16])).first()
    if (
        match is None
        or row is None
        or not hmac.compare_digest(sign(webhook_secret(connection, row.key_id), int(timestamp), body), signature)
    ):
        raise AuthenticationFailed("the webhook's signature does not match its body and key")
    if row.revoked_at is not None:
        raise AuthenticationFailed("this API key was revoked; ask head office for a new one")
    try:
        payload = json.loads(body)
    except ValueError:
        raise BadRequest("the webhook body must be a JSON object") from None
    if not isinstance(payload, dict) or payload.get("event") not in EVENTS or not isinstance(payload.get("data"), dict):
        raise BadRequest(f"a webhook is {{event, data}} with event one of {', '.join(EVENTS)}")
    key = from_row(row)
    scope = EVENTS[payload["event"]]
    if scope not in key.scopes:
        raise KeyScopeRefused(f"this API key may not {scope}; its scopes are {', '.join(key.scopes)}")
    return key, scope, payload["data"]
