"""Back-office sessions that central can end: the signed cookie carries the account's session generation,
checked on every request, and every change that must end sessions moves the generation on.

The cookie alone proves only that central once signed it. Sign-out, a new password, a new role or stores,
and deactivation all call `end_sessions`, so an old cookie (copied, or left in another browser) stops
working at its next request instead of living out its 8 hours.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import Connection, select, update

from central.backoffice import audit
from central.backoffice.accounts import ROLES, hash_password
from central.errors import BadRequest, NotFound
from central.schema import backoffice_users

log = logging.getLogger(__name__)


def generation(connection: Connection, user_id: str) -> int | None:
    """The active account's current session generation (None: no such active account)."""
    return connection.execute(
        select(backoffice_users.c.session_generation).where(
            backoffice_users.c.user_id == user_id, backoffice_users.c.active.is_(True)
        )
    ).scalar_one_or_none()


def end_sessions(connection: Connection, user_id: str, **changes: object) -> None:
    """Apply `changes` to the account and end every session it has open."""
    result = connection.execute(
        update(backoffice_users)
        .where(backoffice_users.c.user_id == user_id)
        .values(session_generation=backoffice_users.c.session_generation + 1, **changes)
    )
    if result.rowcount != 1:
        raise NotFound(_("no back-office user %(name)s", name=user_id))


def set_password(connection: Connection, actor: str, user_id: str, password: str) -> None:
    end_sessions(connection, user_id, password_hash=hash_password(password))
    audit.record(connection, actor, "user.password", f"user {user_id}", None, None)


def set_role(connection: Connection, actor: str, user_id: str, role: str) -> None:
    if role not in ROLES:
        raise BadRequest(_("role must be one of %(roles)s", roles=", ".join(ROLES)))
    end_sessions(connection, user_id, role=role)
    audit.record(connection, actor, "user.role", f"user {user_id}", None, role)


def deactivate(connection: Connection, actor: str, user_id: str) -> None:
    end_sessions(connection, user_id, active=False)
    audit.record(connection, actor, "user.deactivate", f"user {user_id}", None, None)
    log.info("back-office user %s deactivated", user_id)
