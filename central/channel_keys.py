"""API keys of the order systems (web shop, catalogue, partners): made and revoked in the back office.

A key reads `lk_<key id>_<secret>`. Only a SHA-256 of the secret is kept (the secret is 32 random bytes,
so a fast hash is enough, as for device tokens); the key id finds the row without scanning. Each key is
tied to one channel and holds scopes (`earn`, `refund`, `lookup`). The rate limit counts requests per key
and minute in the database, so every central instance shares one count.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from central.clock import epoch_s, utc_now
from central.errors import AuthenticationFailed, BadRequest, KeyScopeRefused, NotFound, RateLimited
from central.schema import channel_key_usage, channel_keys
from central.sql import insert_for

log = logging.getLogger(__name__)

#: The channels orders come from; "store" is every till and kiosk, never a key's channel.
CHANNELS = ("web", "catalogue", "partner")
SCOPES = ("earn", "refund", "lookup")
DEFAULT_RATE_PER_MINUTE = 600
MAX_RATE_PER_MINUTE = 100_000
_KEY = re.compile(r"^lk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ChannelKey:
    """A key as the back office lists it (never its secret)."""

    key_id: str
    channel: str
    name: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    created_at: str
    created_by: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: object) -> tuple[str, ...]:
    if not isinstance(scopes, (list, tuple)) or not scopes or any(s not in SCOPES for s in scopes):
        raise BadRequest(f"scopes must be one or more of {', '.join(SCOPES)}")
    return tuple(s for s in SCOPES if s in scopes)


def create_key(
    connection: Connection,
    channel: str,
    name: str,
    scopes: object,
    actor: str,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
) -> tuple[ChannelKey, str]:
    """A new key for `channel`; returns it with the full key text, shown once and never stored."""
    if channel not in CHANNELS:
        raise BadRequest(f"channel must be one of {', '.join(CHANNELS)}")
    name = (name or "").strip()
    if not 0 < len(name) <= 200:
        raise BadRequest("a key needs a name of 1 to 200 characters (which system uses it)")
    chosen = check_scopes(scopes)
    if (
        isinstance(rate_per_minute, bool)
        or not isinstance(rate_per_minute, int)
        or not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE
    ):
        raise BadRequest(f"the rate limit must be 1 to {MAX_RATE_PER_MINUTE} requests per minute")
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    key = ChannelKey(key_id, channel, name, chosen, rate_per_minute, utc_now(), actor, None)
    connection.execute(
        channel_keys.insert().values(
            key_id=key_id,
            channel=channel,
            name=name,
            secret_hash=_hash(secret),
            scopes=",".join(chosen),
            rate_per_minute=rate_per_minute,
            created_at=key.created_at,
            created_by=actor,
        )
    )
    log.info("order-channel key %s made for channel %s", key_id, channel)
    return key, f"lk_{key_id}_{secret}"


def from_row(row) -> ChannelKey:
    return ChannelKey(
        row.key_id,
        row.channel,
        row.name,
        tuple(row.scopes.split(",")),
        row.rate_per_minute,
        row.created_at,
        row.created_by,
        row.revoked_at,
    )


def list_keys(connection: Connection) -> list[ChannelKey]:
    rows = connection.execute(select(channel_keys).order_by(channel_keys.c.created_at.desc()))
    return [from_row(r) for r in rows]


def revoke_key(connection: Connection, key_id: str) -> ChannelKey:
    """Refuse the key from its very next request (every instance reads the row at each request)."""
    row = connection.execute(select(channel_keys).where(channel_keys.c.key_id == key_id)).first()
    if row is None:
        raise NotFound("no such API key")
    if row.revoked_at is None:
        connection.execute(update(channel_keys).where(channel_keys.c.key_id == key_id).values(revoked_at=utc_now()))
        log.info("order-channel key %s revoked", key_id)
    return from_row(connection.execute(select(channel_keys).where(channel_keys.c.key_id == key_id)).one())


def authenticate(connection: Connection, presented: str | None, scope: str) -> ChannelKey:
    """The live key for a bearer value, if it holds `scope`; refused otherwise (revoked keys at once)."""
    match = _KEY.match(presented or "")
    if match is None:
        raise AuthenticationFailed("this call needs an order-channel API key (Authorization: Bearer lk_...)")
    row = connection.execute(select(channel_keys).where(channel_keys.c.key_id == match.group(1))).first()
    if row is None or not secrets.compare_digest(row.secret_hash, _hash(match.group(2))):
        raise AuthenticationFailed("unknown API key")
    if row.revoked_at is not None:
        raise AuthenticationFailed("this API key was revoked; ask head office for a new one")
    key = from_row(row)
    if scope not in key.scopes:
        raise KeyScopeRefused(f"this API key may not {scope}; its scopes are {', '.join(key.scopes)}")
    return key


def count_request(connection: Connection, key: ChannelKey, now_s: int | None = None) -> int:
    """Count one request in the key's current minute; refused once the minute's limit is passed."""
    minute = (epoch_s() if now_s is None else now_s) // 60
    statement = insert_for(connection, channel_key_usage).values(key_id=key.key_id, minute=minute, requests=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key_id", "minute"], set_={"requests": channel_key_usage.c.requests + 1}
    ).returning(channel_key_usage.c.requests)
    used = connection.execute(statement).scalar_one()
    if used == 1:  # a new minute: the counts of earlier minutes are of no more use
        connection.execute(
            channel_key_usage.delete().where(
                channel_key_usage.c.key_id == key.key_id, channel_key_usage.c.minute < minute
            )
        )
    if used > key.rate_per_minute:
        raise RateLimited(f"this API key is limited to {key.rate_per_minute} requests per minute; retry in a minute")
    return used
