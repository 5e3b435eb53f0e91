"""The phone card: a QR code that changes every minute, signed by central, verified offline on a device.

Central holds an Ed25519 private key and signs `(card uid, minute, nonce)`; tills and kiosks hold only the
public key, so a device can check a code without being able to forge one. The wire form is compact text:
`LC1.` + base64url(version, minute, nonce, uid, signature). A code is valid during its minute, plus a small
clock skew either side, and each code is accepted once per device (`ReplayGuard`).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loyalty.errors import (
    ConfigError,
    PhoneCodeClockWrong,
    PhoneCodeExpired,
    PhoneCodeInvalid,
    PhoneCodeReplayed,
    SyncError,
)

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

PREFIX = "LC1."
VERSION = 1
WINDOW_S = 60
NONCE_BYTES = 8
SIGNATURE_BYTES = 64
MAX_UID_BYTES = 64
DEFAULT_SKEW_S = 30
#: A code further than this from the device's clock was not merely shown late: the device's clock is off.
CLOCK_SUSPECT_S = 15 * 60
_HEADER = struct.Struct(">BI8sB")  # version, minute since the epoch, nonce, uid length
_MAX_PAYLOAD = len(PREFIX) + 4 * ((_HEADER.size + MAX_UID_BYTES + SIGNATURE_BYTES + 2) // 3)


@dataclass(frozen=True)
class PhoneCode:
    """A verified phone card code: whose card, which minute, and the nonce that makes it unique."""

    card_uid: str
    minute: int
    nonce: bytes

    @property
    def replay_key(self) -> tuple[int, bytes, str]:
        return (self.minute, self.nonce, self.card_uid)


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key_pem(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("the phone card signing key must be an Ed25519 private key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as 43 base64url characters, the form devices keep in their configuration."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64encode(raw)


def load_public_key(text: str) -> Ed25519PublicKey:
    """The public key from its base64url text; a ConfigError says what is wrong with it."""
    try:
        raw = _b64decode(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ConfigError(
            "phonecard.public_key must be the 43-character key central shows at /api/phonecard/public-key"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_code(key: Ed25519PrivateKey, card_uid: str, now: float, nonce: bytes | None = None) -> str:
    """The code the phone shows during the minute containing `now` (central only: it needs the private key)."""
    uid = card_uid.encode()
    if not 0 < len(uid) <= MAX_UID_BYTES:
        raise PhoneCodeInvalid(f"a card number must be 1 to {MAX_UID_BYTES} characters")
    nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    body = _HEADER.pack(VERSION, int(now // WINDOW_S), nonce, len(uid)) + uid
    return PREFIX + _b64encode(body + key.sign(body))


def verify_code(payload: str, public_key: Ed25519PublicKey, now: float, skew_s: int = DEFAULT_SKEW_S) -> PhoneCode:
    """Check a scanned code's form, signature and minute; pure (no memory of earlier scans)."""
    body, signature = _split(payload)
    try:
        public_key.verify(signature, body)
    except InvalidSignature:
        raise PhoneCodeInvalid("this QR code is not a valid loyalty card code (it was altered or forged)") from None
    _, minute, nonce, _ = _HEADER.unpack_from(body)
    starts = minute * WINDOW_S
    off_s = now - (starts + WINDOW_S / 2)
    if abs(off_s) > CLOCK_SUSPECT_S:  # central made the code: a code this far off points at this device's clock
        raise PhoneCodeClockWrong(
            f"the till's clock is wrong: this phone card code was made {_duration(abs(off_s))} "
            f"{'before' if off_s > 0 else 'after'} the till's time; set the till's clock (see: kiosk doctor)"
        )
    if not starts - skew_s <= now < starts + WINDOW_S + skew_s:
        raise PhoneCodeExpired(
            "this phone card code has expired: ask the customer to open the card page again "
            "so the phone shows the current code"
        )
    return PhoneCode(body[_HEADER.size :].decode(), minute, nonce)


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 60:.0f} minutes"


def _split(payload: object) -> tuple[bytes, bytes]:
    invalid = PhoneCodeInvalid("this QR code is not a loyalty card code")
    payload = payload.strip() if isinstance(payload, str) else payload  # scanners may add a line end
    if not isinstance(payload, str) or not payload.startswith(PREFIX) or len(payload) > _MAX_PAYLOAD:
        raise invalid
    try:
        raw = _b64decode(payload[len(PREFIX) :].strip())
    except ValueError:
        raise invalid from None
    if len(raw) < _HEADER.size + 1 + SIGNATURE_BYTES:
        raise invalid
    version, _, _, uid_length = _HEADER.unpack_from(raw)
    if version != VERSION or len(raw) != _HEADER.size + uid_length + SIGNATURE_BYTES:
        raise invalid
    body = raw[:-SIGNATURE_BYTES]
    try:
        body[_HEADER.size :].decode()
    except UnicodeDecodeError:
        raise invalid from None
    return body, raw[-SIGNATURE_BYTES:]


class ReplayGuard:
    """Remembers the codes accepted on this device while they could still be valid, so each counts once."""

    def __init__(self, skew_s: int = DEFAULT_SKEW_S, max_entries: int = 100_000) -> None:
        self._skew_s = skew_s
        self._max_entries = max_entries
        self._seen: OrderedDict[tuple[int, bytes, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def accept(self, code: PhoneCode, now: float) -> None:
        """Record the code, or raise PhoneCodeReplayed if it was accepted before."""
        with self._lock:
            self._forget_expired(now)
            if code.replay_key in self._seen:
                raise PhoneCodeReplayed(
                    "this phone card code was already used: a code counts once, ask the "
                    "customer to show the card page on their phone again"
                )
            self._seen[code.replay_key] = (code.minute + 1) * WINDOW_S + self._skew_s
            while len(self._seen) > self._max_entries:
                self._seen.popitem(last=False)

    def _forget_expired(self, now: float) -> None:
        while self._seen:
            key, until = next(iter(self._seen.items()))
            if until > now:
                break
            del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)


class PhoneCardVerifier:
    """What a till or kiosk uses: the public key, the allowed skew and its own replay memory."""

    def __init__(
        self, public_key: Ed25519PublicKey, skew_s: int = DEFAULT_SKEW_S, chain: Callable[[str], None] | None = None
    ) -> None:
        self.public_key = public_key
        self.skew_s = skew_s
        self.replays = ReplayGuard(skew_s)
        #: Asks central to accept the code once chain-wide; raises PhoneCodeReplayed, or SyncError when offline.
        self.chain = chain

    @classmethod
    def from_text(
        cls, public_key: str, skew_s: int = DEFAULT_SKEW_S, chain: Callable[[str], None] | None = None
    ) -> PhoneCardVerifier:
        return cls(load_public_key(public_key), skew_s, chain)

    def identify_qr(self, payload: str, now: float) -> str:
        """The card uid a scanned phone code stands for, exactly like a tap; refuses expired, forged, replayed
        (here, and online at any other device of the chain)."""
        code = verify_code(payload, self.public_key, now, self.skew_s)
        self.replays.accept(code, now)
        if self.chain is not None:
            try:
                self.chain(payload)
            except SyncError as exc:  # offline: this device's own once-only rule stands
                logger.info("phone card code checked on this device only: %s", exc)
        logger.info("phone card code accepted for minute %d", code.minute)
        return code.card_uid


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or any(c not in _B64_ALPHABET for c in text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


_B64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
