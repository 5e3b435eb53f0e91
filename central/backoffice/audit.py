"""The back office's audit trail: who changed what, when, and the values before and after (ids only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from central.clock import utc_now
from central.schema import audit


@dataclass(frozen=True)
class AuditEntry:
    """One change: `before` and `after` hold settings, prices and ids, never names, phones or PINs."""

    at: str
    actor: str
    action: str
    subject: str
    before: object
    after: object


def record(connection: Connection, actor: str, action: str, subject: str, before: object, after: object) -> None:
    """Write one audit row in the caller's transaction, so a change and its trail commit together."""
    detail = json.dumps({"before": before, "after": after}, sort_keys=True, separators=(",", ":"))
    connection.execute(audit.insert().values(at=utc_now(), actor=actor, action=action, subject=subject, detail=detail))


def recent(connection: Connection, limit: int = 200) -> list[AuditEntry]:
    """The latest changes, newest first."""
    rows = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(limit))
    entries = []
    for row in rows:
        try:
            detail = json.loads(row.detail) if row.detail else {}
        except ValueError:
            detail = {"before": None, "after": row.detail}
        if not isinstance(detail, dict):
            detail = {"before": None, "after": detail}
        entries.append(
            AuditEntry(row.at, row.actor, row.action, row.subject, detail.get("before"), detail.get("after"))
        )
    return entries
