"""Back-office users: password sign-in (salted scrypt), roles, and a lockout after repeated failures."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central.backoffice.store_assignments import all_assignments, stores_of
from central.clock import utc_now
from central.errors import BadRequest, Conflict
from central.schema import backoffice_users
from central.sql import insert_for
from loyalty.cashiers import PinGuard, verify_pin
from loyalty.errors import SignInLocked, SignInRefused

log = logging.getLogger(__name__)

#: manager: their own stores' reports and devices, and the cashiers; head_office: every store, the earning scale,
#: catalogue and users.
ROLES = ("manager", "head_office")
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_USER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class BackofficeUser:
    """A signed-in back-office user: the session holds only the id; role and stores are read at each request."""

    user_id: str
    role: str
    #: The device ids a manager sees and changes (see `central.backoffice.scope`); unused for head office.
    stores: frozenset[str] = frozenset()
    #: The account's session generation: a session cookie made under another one is no longer valid.
    generation: int = 0

    @property
    def is_head_office(self) -> bool:
        return self.role == "head_office"


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash` with a fresh salt: the format `loyalty.cashiers.verify_pin` checks."""
    check_password(password)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD or len(password) > 200:
        raise BadRequest(_("a password is %(low)s to 200 characters", low=MIN_PASSWORD))
    return password


def check_user_id(user_id: object) -> str:
    if not isinstance(user_id, str) or not _USER_ID.match(user_id):
        raise BadRequest(_("a user name is 1 to 64 letters, digits, '.', '-' or '_'"))
    return user_id


def create_user(connection: Connection, user_id: str, role: str, password: str) -> BackofficeUser:
    """Add a back-office user; refuses a name already taken."""
    check_user_id(user_id)
    if role not in ROLES:
        raise BadRequest(_("role must be one of %(roles)s", roles=", ".join(ROLES)))
    statement = insert_for(connection, backoffice_users).on_conflict_do_nothing(index_elements=["user_id"])
    result = connection.execute(
        statement,
        {
            "user_id": user_id,
            "role": role,
            "password_hash": hash_password(password),
            "active": True,
            "created_at": utc_now(),
        },
    )
    if result.rowcount != 1:
        raise Conflict(_("the user name %(name)s is already taken", name=user_id))
    log.info("back-office user %s created with role %s", user_id, role)
    return BackofficeUser(user_id, role)


def find_user(connection: Connection, user_id: str) -> BackofficeUser | None:
    """The active user with their stores, or None (the session then ends)."""
    row = connection.execute(
        select(backoffice_users).where(backoffice_users.c.user_id == user_id, backoffice_users.c.active.is_(True))
    ).first()
    return (
        BackofficeUser(row.user_id, row.role, stores_of(connection, row.user_id), row.session_generation)
        if row
        else None
    )


def list_users(connection: Connection) -> list[BackofficeUser]:
    """Every active back-office user with their stores, by name, for head office's users page."""
    assigned = all_assignments(connection)
    rows = connection.execute(
        select(backoffice_users.c.user_id, backoffice_users.c.role)
        .where(backoffice_users.c.active.is_(True))
        .order_by(backoffice_users.c.user_id)
    )
    return [BackofficeUser(user_id, role, assigned.get(user_id, frozenset())) for user_id, role in rows]


class SignIn:
    """Checks passwords through the same growing delays as cashiers' PINs (per user and address, per instance).

    An unknown name is checked against a throw-away hash, so it takes as long as a wrong password and
    the answer time does not tell which names exist.
    """

    def __init__(self, guard: PinGuard | None = None) -> None:
        self.guard = guard or PinGuard(max_failures=5, base_lock_s=60, max_lock_s=900, account_cap_s=30)
        self._decoy: str | None = None

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = hash_password(secrets.token_urlsafe(24))
        return self._decoy

    def authenticate(self, connection: Connection, user_id: str, password: str, source: str = "-") -> BackofficeUser:
        """The user if the password is right; SignInRefused otherwise (same message for unknown names).

        `source` is the client's address: repeated failures lock that account from that address for long,
        while from everywhere else the account waits half a minute at most, so nobody can lock staff out.
        """
        if not isinstance(user_id, str) or not isinstance(password, str) or not user_id or len(user_id) > 64:
            raise SignInRefused("wrong user name or password")
        row = connection.execute(
            select(backoffice_users).where(backoffice_users.c.user_id == user_id, backoffice_users.c.active.is_(True))
        ).first()
        try:
            self.guard.check(user_id, password, row.password_hash if row else self._decoy_hash(), source or "-")
            if row is None:
                raise SignInRefused("wrong user name or password")
        except SignInLocked:
            log.info("back-office sign-in refused for %s: locked", user_id)
            raise SignInLocked("sign-in locked after repeated failures; try again later") from None
        except SignInRefused:
            log.info("back-office sign-in refused for %s", user_id)
            raise SignInRefused("wrong user name or password") from None
        log.info("back-office user %s signed in", user_id)
        return BackofficeUser(row.user_id, row.role, stores_of(connection, row.user_id), row.session_generation)


__all__ = ["ROLES", "BackofficeUser", "SignIn", "create_user", "find_user", "hash_password", "list_users", "verify_pin"]
