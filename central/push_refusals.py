"""Events central refused from a device for good, kept as a short note (never the event itself).

The device sets such an event aside and goes on syncing; the note lets the back office show what was
refused and why, and lets the device's sequence high-water mark pass over the refused number, so one
poisoned event never holds back anything else. At most `KEEP` notes per device are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from central.clock import utc_now
from central.errors import EventRefused
from central.schema import push_refusals
from central.sql import insert_for
from loyalty.domain.events import MAX_SEQ

log = logging.getLogger(__name__)

KEEP = 200


@dataclass(frozen=True)
class Refusal:
    device_id: str
    event_id: str
    seq: int
    type: str
    reason: str
    refused_at: str


def record(connection: Connection, device_id: str, body: dict, exc: EventRefused) -> None:
    """Note the refused event of a push (its id, sequence number and kind as sent, and the reason)."""
    sent = next((r for r in body.get("events", ()) if isinstance(r, dict) and r.get("event_id") == exc.event_id), {})
    seq = sent.get("seq")
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq <= MAX_SEQ else 0
    kind = sent.get("type") if isinstance(sent.get("type"), str) else "?"
    row = {
        "device_id": device_id,
        "event_id": exc.event_id,
        "seq": seq,
        "type": kind[:40],
        "reason": str(exc)[:500],
        "refused_at": utc_now(),
    }
    connection.execute(
        insert_for(connection, push_refusals).on_conflict_do_nothing(index_elements=["device_id", "event_id"]), row
    )
    kept = (
        select(push_refusals.c.event_id)
        .where(push_refusals.c.device_id == device_id)
        .order_by(push_refusals.c.refused_at.desc(), push_refusals.c.event_id)
        .offset(KEEP)
        .limit(1000)
    )
    old = list(connection.execute(kept).scalars())
    if old:
        connection.execute(
            delete(push_refusals).where(push_refusals.c.device_id == device_id, push_refusals.c.event_id.in_(old))
        )
    log.warning("device %s: event %s refused for good (%s)", device_id, exc.event_id, kind)


def refused_seqs(device_id: str, above: int):
    """A select of the device's refused sequence numbers above `above` (for the high-water mark)."""
    return select(push_refusals.c.seq).where(push_refusals.c.device_id == device_id, push_refusals.c.seq > above)


def latest(connection: Connection, device_ids: frozenset[str] | None = None, limit: int = 100) -> list[Refusal]:
    """The newest refusals, of the given devices only when `device_ids` is set."""
    statement = select(push_refusals).order_by(push_refusals.c.refused_at.desc()).limit(limit)
    if device_ids is not None:
        statement = statement.where(push_refusals.c.device_id.in_(device_ids))
    return [
        Refusal(r.device_id, r.event_id, r.seq, r.type, r.reason, r.refused_at) for r in connection.execute(statement)
    ]
