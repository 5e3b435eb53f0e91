"""The back office's session signing key, made once and kept in central's database.

Kept in the database rather than a file so that every central instance behind a load balancer signs
and checks sessions with the same key; never a fixed default.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select

from central.schema import backoffice_keys
from central.sql import insert_for

SESSION_KEY = "session"


def session_key(connection: Connection) -> str:
    """The stored key, created on first use (two instances racing both read the winner's key)."""
    statement = insert_for(connection, backoffice_keys).on_conflict_do_nothing(index_elements=["name"])
    connection.execute(statement, {"name": SESSION_KEY, "value": secrets.token_urlsafe(48)})
    return connection.execute(select(backoffice_keys.c.value).where(backoffice_keys.c.name == SESSION_KEY)).scalar_one()
