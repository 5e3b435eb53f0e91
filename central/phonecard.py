"""Central's side of the phone card: the signing key, the shopper's card page and the links that open it.

The private key lives in a file only central reads (`<data_dir>/phonecard-ed25519.pem`, made on first use,
mode 0600). The card page's address carries a link token: the card uid (and its link generation, see
`central.phonecard_links`) signed with the same key under another label, so a link cannot be made for
someone else's card, and rotating a card's link ends the older ones.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, current_app
from sqlalchemy import Connection, select

from central.errors import NotFound
from central.schema import cards, customers
from loyalty import phonecard
from loyalty.errors import PhoneCodeInvalid

log = logging.getLogger(__name__)

KEY_FILE = "phonecard-ed25519.pem"
_LINK_LABEL = b"loyalty-card-page:"
_EXTENSION = "central.phonecard_key"
_key_lock = threading.Lock()


def init_app(app: Flask, private_key: Ed25519PrivateKey | None = None) -> None:
    """Use `private_key` if given, else the key file in central's data_dir, created when first needed."""
    app.extensions[_EXTENSION] = private_key


def signing_key() -> Ed25519PrivateKey:
    key = current_app.extensions.get(_EXTENSION)
    if key is None:
        with _key_lock:
            key = current_app.extensions.get(_EXTENSION)
            if key is None:
                key = load_or_create_key(Path(current_app.extensions["central.settings"].data_dir) / KEY_FILE)
                current_app.extensions[_EXTENSION] = key
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, or a new one written there readable by central's user only."""
    try:
        return phonecard.load_private_key_pem(path.read_bytes())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = phonecard.new_private_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(phonecard.private_key_pem(key))
        handle.flush()
        os.fsync(handle.fileno())
    log.warning("made a new phone card signing key in %s: give its public key to every device", path)
    return key


def link_token(key: Ed25519PrivateKey, card_uid: str, generation: int = 0) -> str:
    """The token in a card page address: the uid (and the link's generation once rotated) and their signature,
    base64url, joined by dots."""
    uid = card_uid.encode()
    if generation == 0:
        return _b64(uid) + "." + _b64(key.sign(_LINK_LABEL + uid))
    return f"{_b64(uid)}.{generation}.{_b64(key.sign(_LINK_LABEL + uid + b'#%d' % generation))}"


def parse_link(key: Ed25519PrivateKey, token: str) -> tuple[str, int]:
    """The card uid and generation a link token was made for; PhoneCodeInvalid if it was altered."""
    parts = token.split(".")
    try:
        if len(parts) == 2:
            uid, generation, signed = _unb64(parts[0]), 0, b""
        elif len(parts) == 3 and parts[1].isdigit() and 0 < len(parts[1]) <= 18:
            uid, generation = _unb64(parts[0]), int(parts[1])
            signed = b"#%d" % generation
        else:
            raise ValueError("not a link token")
        key.public_key().verify(_unb64(parts[-1]), _LINK_LABEL + uid + signed)
        return uid.decode(), generation
    except (ValueError, InvalidSignature, UnicodeDecodeError):
        raise PhoneCodeInvalid("this card link is not valid; ask at the till for a new one") from None


def card_for_link(key: Ed25519PrivateKey, token: str) -> str:
    """The card uid a link token was made for; PhoneCodeInvalid if it was altered."""
    return parse_link(key, token)[0]


def usable_card(connection: Connection, card_uid: str) -> str:
    """The customer of a linked, unblocked card; NotFound otherwise (a blocked card gets no codes)."""
    row = connection.execute(select(cards.c.customer_id, cards.c.blocked).where(cards.c.card_uid == card_uid)).first()
    if row is None or row.customer_id is None:
        raise NotFound("this card is not registered to a customer")
    if row.blocked:
        raise NotFound("this card is blocked; ask at the till for a new one")
    return row.customer_id


@dataclass(frozen=True)
class CardStanding:
    """What the card page shows under the code: the shopper's points and their pool's, if any."""

    points: int
    pool_id: str | None = None
    pool_points: int = 0
    pool_members: int = 0


def card_standing(connection: Connection, card_uid: str) -> CardStanding:
    """The points of the card's customer and the pool they give to (as central holds them now)."""
    from central import pools

    customer_id = usable_card(connection, card_uid)
    points = connection.execute(select(customers.c.points).where(customers.c.customer_id == customer_id)).scalar()
    pool = pools.pool_of_customer(connection, customer_id)
    if pool is None:
        return CardStanding(points or 0)
    return CardStanding(points or 0, pool.pool_id, pool.points, len(pool.members))


def qr_svg(data: str) -> str:
    """The QR code of `data` as inline SVG (no image file, no third-party script in the page)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
