"""Which stores (device ids) each manager account is tied to: read at every request, set by head office.

A store is a device here, as in the reports. Only devices central knows can be assigned, so a mistyped
id is refused instead of leaving a manager with a store that never shows anything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central import devices as device_registry
from central.backoffice import audit
from central.errors import BadRequest, NotFound
from central.schema import backoffice_user_stores, backoffice_users, devices

log = logging.getLogger(__name__)


def stores_of(connection: Connection, user_id: str) -> frozenset[str]:
    """The device ids this user is tied to (empty for head office and for a manager not yet assigned)."""
    rows = connection.execute(
        select(backoffice_user_stores.c.device_id).where(backoffice_user_stores.c.user_id == user_id)
    )
    return frozenset(device_id for (device_id,) in rows)


def all_assignments(connection: Connection) -> dict[str, frozenset[str]]:
    """Every user's stores, for the users page (one query, not one per user)."""
    found: dict[str, set[str]] = {}
    for user_id, device_id in connection.execute(select(backoffice_user_stores)):
        found.setdefault(user_id, set()).add(device_id)
    return {user_id: frozenset(stores) for user_id, stores in found.items()}


def check_stores(connection: Connection, stores: Iterable[str]) -> frozenset[str]:
    """The stores as a set, each a device central knows; BadRequest naming the first that is not."""
    wanted = frozenset(device_registry.check_device_id(store) for store in stores)
    known = {
        d for (d,) in connection.execute(select(devices.c.device_id).where(devices.c.device_id.in_(sorted(wanted))))
    }
    unknown = sorted(wanted - known)
    if unknown:
        raise BadRequest(_("no device %(device)s: make its enrolment code first, then assign it", device=unknown[0]))
    return wanted


def set_stores(connection: Connection, actor: str, user_id: str, stores: Iterable[str]) -> frozenset[str]:
    """Replace a manager's stores (none is allowed: they then see no store); audited with ids only."""
    role = connection.execute(select(backoffice_users.c.role).where(backoffice_users.c.user_id == user_id)).scalar()
    if role is None:
        raise NotFound(_("no back-office user %(name)s", name=user_id))
    wanted = check_stores(connection, stores)
    if role != "manager" and wanted:
        raise BadRequest(_("head office sees every store; stores are assigned to managers only"))
    before = stores_of(connection, user_id)
    connection.execute(backoffice_user_stores.delete().where(backoffice_user_stores.c.user_id == user_id))
    if wanted:
        connection.execute(
            backoffice_user_stores.insert(), [{"user_id": user_id, "device_id": store} for store in sorted(wanted)]
        )
    audit.record(connection, actor, "user.stores", f"user {user_id}", sorted(before), sorted(wanted))
    log.info("back-office user %s now has %d store(s)", user_id, len(wanted))
    return wanted
