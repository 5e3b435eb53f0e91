"""Device enrolment and authentication: one-time codes become revocable bearer tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from central.clock import epoch_s, utc_now, utc_seconds_ago
from central.errors import AuthenticationFailed, BadRequest, EnrolmentRefused, NotFound
from central.schema import devices
from central.sql import insert_for
from loyalty.enrolment_code import CODE_ALPHABET, normalise_code

log = logging.getLogger(__name__)

#: Central's own events (admin actions) carry this device id; no device may enrol under it.
CENTRAL_DEVICE_ID = "central"


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    name: str
    enrolled: bool
    revoked: bool
    seq_through: int
    last_seen_at: str | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_device_id(device_id: object) -> str:
    ok = (
        isinstance(device_id, str)
        and 0 < len(device_id) <= 64
        and device_id.replace("-", "").replace("_", "").isalnum()
        and device_id != CENTRAL_DEVICE_ID
    )
    if not ok:
        raise BadRequest("device_id must be 1 to 64 letters, digits, '-' or '_' (and not 'central')")
    return device_id  # type: ignore[return-value]


#: Enrolment codes are read aloud and typed over SSH: no look-alike characters, and never a leading '-'.


def create_enrolment_code(connection: Connection, device_id: str, name: str = "", ttl_s: int = 86400) -> str:
    """A fresh one-time code for the device (new or re-enrolling); any earlier unused code stops working."""
    device_id = check_device_id(device_id)
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    values = {"code_hash": _hash(code), "code_expires_at": epoch_s() + ttl_s}
    statement = insert_for(connection, devices).values(device_id=device_id, name=name[:200], **values)
    connection.execute(statement.on_conflict_do_update(index_elements=["device_id"], set_=values))
    log.info("enrolment code made for device %s", device_id)
    return code


def why_refused(connection: Connection, device_id: str, row, code_hash: str) -> str:
    """Why a code does not enrol this device, so the technician knows the next step (all answered with 403)."""
    other = connection.execute(select(devices.c.device_id).where(devices.c.code_hash == code_hash)).scalar()
    if other is not None:
        return (
            f'this enrolment code was made for device {other!r}, not {device_id!r}: set device.id = "{other}" '
            f"in the configuration, or ask the back office for a code for {device_id!r}"
        )
    if row is None:
        return (
            f"this enrolment code is not valid: central knows no device {device_id!r} waiting for one; "
            "check device.id, or ask the back office to add this device and give its code"
        )
    if row.code_hash is None:
        return (
            f"this enrolment code is not valid any more: device {device_id!r} has no code waiting (a code is used "
            f"once; this device was enrolled at {row.enrolled_at}); ask the back office for a new code"
        )
    return (
        f"this enrolment code is not valid: it is not the code waiting for {device_id!r} (a newer one was made, "
        "or it was mistyped); use the latest code the back office shows"
    )


def enrol(connection: Connection, device_id: object, code: object, store_id: object = None) -> str:
    """Trade a valid one-time code for a bearer token; the code is spent, any older token stops working.

    `store_id` (the device's config) names the store it stands in, for receipts credited once per store.
    """
    device_id = check_device_id(device_id)
    if store_id is not None and not (
        isinstance(store_id, str) and 0 < len(store_id) <= 64 and store_id.replace("-", "").replace("_", "").isalnum()
    ):
        raise BadRequest("store_id must be 1 to 64 letters, digits, '-' or '_'")
    if not isinstance(code, str) or not code:
        raise BadRequest("code must be the enrolment code given by the back office")
    row = connection.execute(select(devices).where(devices.c.device_id == device_id)).first()
    code = normalise_code(code)
    if row is None or row.code_hash is None or not secrets.compare_digest(row.code_hash, _hash(code)):
        raise EnrolmentRefused(why_refused(connection, device_id, row, _hash(code)))
    if row.code_expires_at is not None and row.code_expires_at < epoch_s():
        raise EnrolmentRefused("this enrolment code has expired; ask the back office for a new one")
    token = secrets.token_urlsafe(32)
    connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(
            token_hash=_hash(token),
            code_hash=None,
            code_expires_at=None,
            enrolled_at=utc_now(),
            revoked_at=None,
            **({"store_id": store_id} if store_id else {}),
        )
    )
    log.info("device %s enrolled", device_id)
    return token


def authenticate(connection: Connection, token: str | None) -> str:
    """The device id a bearer token belongs to; a revoked or unknown token is refused at once."""
    if not token:
        raise AuthenticationFailed("this request needs a device token (Authorization: Bearer ...)")
    row = connection.execute(
        select(devices.c.device_id, devices.c.revoked_at).where(devices.c.token_hash == _hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed("this device token is unknown or was revoked; enrol the device again")
    return row.device_id


#: A pull notes the device as seen at most this often, so frequent pulls do not each write a row.
SEEN_EVERY_S = 60


def note_seen(connection: Connection, device_id: str, *, every_s: int = 0) -> None:
    """Record that the device talked to central now (a pull only if the last note is `every_s` old)."""
    now = utc_now()
    statement = devices.update().where(devices.c.device_id == device_id)
    if every_s:
        statement = statement.where(
            or_(devices.c.last_seen_at.is_(None), devices.c.last_seen_at < utc_seconds_ago(every_s))
        )
    connection.execute(statement.values(last_seen_at=now))


def revoke(connection: Connection, device_id: str) -> None:
    result = connection.execute(
        devices.update()
        .where(devices.c.device_id == device_id)
        .values(revoked_at=utc_now(), token_hash=None, code_hash=None)
    )
    if result.rowcount == 0:
        raise NotFound(f"no device {device_id!r}")
    log.info("device %s revoked", device_id)


def list_devices(connection: Connection) -> list[DeviceInfo]:
    return [
        DeviceInfo(
            r.device_id, r.name, r.enrolled_at is not None, r.revoked_at is not None, r.seq_through, r.last_seen_at
        )
        for r in connection.execute(select(devices).order_by(devices.c.device_id))
    ]
