"""The receipt's "complete your profile" link: signed by the till, expiring, good for one customer and one use.

The till signs offline with HMAC-SHA256 keyed by the SHA-256 of its own central token, which central keeps
(it stores device tokens hashed), so central can check the link without any secret travelling; a revoked
device's links stop working. The link carries the device, the customer, the expiry, a one-time nonce and
the purpose `profile`, never anything else: the QR stays small and says nothing about the shopper.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

#: How long a printed link stays valid.
LINK_TTL_S = 30 * 24 * 3600
PURPOSE = "profile"


@dataclass(frozen=True)
class ProfileLink:
    """What a link says (checked only once its signature is)."""

    device_id: str
    customer_id: str
    expires_s: int
    nonce: str
    purpose: str


def link_key(device_token: str) -> bytes:
    """The signing key: what central stores for the device's token."""
    return hashlib.sha256(device_token.encode()).hexdigest().encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_link_token(
    device_token: str, device_id: str, customer_id: str, now_s: float | None = None, ttl_s: int = LINK_TTL_S
) -> str:
    """`payload.signature`, both base64url, to put after the portal's profile address."""
    payload = {
        "d": device_id,
        "c": customer_id,
        "e": int((time.time() if now_s is None else now_s) + ttl_s),
        "n": secrets.token_hex(8),
        "p": PURPOSE,
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(link_key(device_token), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature[:16])}"


def read_link_token(token: str) -> tuple[ProfileLink, str, bytes]:
    """The link's fields, the signed text and the signature; ValueError when it is not such a link."""
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > 400:
        raise ValueError("not a profile link")
    payload = json.loads(_unb64(body))
    if not isinstance(payload, dict) or set(payload) != {"d", "c", "e", "n", "p"}:
        raise ValueError("not a profile link")
    link = ProfileLink(str(payload["d"]), str(payload["c"]), int(payload["e"]), str(payload["n"]), str(payload["p"]))
    return link, body, _unb64(signature)


def signature_matches(key: bytes, body: str, signature: bytes) -> bool:
    expected = hmac.new(key, body.encode(), hashlib.sha256).digest()[:16]
    return hmac.compare_digest(expected, signature)
