"""Training progress tills send per cashier per drill: stored once per (device, cashier, drill), newest wins.

Training itself never syncs (it touches no real data); only each cashier's best result per drill travels:
score, time and when the drill was first completed. A row sent again replaces the stored one.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from central.clock import utc_now
from central.errors import BadRequest, RequestTooLarge
from central.schema import training_progress
from central.sql import insert_for
from loyalty.drills import DRILLS, MAX_CASHIER_ID, MAX_SCORE, MAX_SECONDS

log = logging.getLogger(__name__)

MAX_ROWS = 500
FIELDS = ("cashier_id", "drill", "best_score", "best_seconds", "first_done_at")
MAX_TIME_TEXT = 40


@dataclass(frozen=True)
class DrillProgress:
    """One cashier's best result for one drill on one device."""

    cashier_id: str
    drill: str
    best_score: int
    best_ms: int
    first_done_at: str | None
    device_id: str = ""

    @property
    def best_seconds(self) -> float:
        return round(self.best_ms / 1000, 1)


def _row(index: int, row: object) -> DrillProgress:
    if not isinstance(row, dict):
        raise BadRequest(f"row {index}: must be an object")
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise BadRequest(f"row {index}: unknown field {unknown[0]!r}")
    cashier = row.get("cashier_id")
    if not isinstance(cashier, str) or not 0 < len(cashier) <= MAX_CASHIER_ID:
        raise BadRequest(f"row {index}: cashier_id must be 1 to {MAX_CASHIER_ID} characters")
    drill = row.get("drill")
    if not isinstance(drill, str) or drill not in DRILLS:
        raise BadRequest(f"row {index}: drill must be one of {', '.join(DRILLS)}")
    score = row.get("best_score")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise BadRequest(f"row {index}: best_score must be a whole number from 0 to {MAX_SCORE}")
    seconds = row.get("best_seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or not 0 <= seconds <= MAX_SECONDS
    ):
        raise BadRequest(f"row {index}: best_seconds must be a number from 0 to {MAX_SECONDS:.0f}")
    first_done = row.get("first_done_at")
    if first_done is not None:
        try:
            if not isinstance(first_done, str) or len(first_done) > MAX_TIME_TEXT:
                raise ValueError
            datetime.fromisoformat(first_done)
        except ValueError:
            raise BadRequest(f"row {index}: first_done_at must be null or a date and time (ISO 8601)") from None
    return DrillProgress(cashier, drill, score, round(seconds * 1000), first_done)


def parse_rows(body: dict) -> list[DrillProgress]:
    """The `progress` list of a device's request, each row checked; one bad row refuses them all."""
    rows = body.get("progress")
    if not isinstance(rows, list):
        raise BadRequest("progress must be a list of {cashier_id, drill, best_score, best_seconds, first_done_at}")
    if len(rows) > MAX_ROWS:
        raise RequestTooLarge(f"at most {MAX_ROWS} rows per request; send fewer")
    parsed: dict[tuple[str, str], DrillProgress] = {}
    for index, row in enumerate(rows):
        progress = _row(index, row)
        if (progress.cashier_id, progress.drill) in parsed:
            raise BadRequest(f"row {index}: cashier {progress.cashier_id!r} and drill {progress.drill} appear twice")
        parsed[(progress.cashier_id, progress.drill)] = progress
    return list(parsed.values())


def store_rows(connection: Connection, device_id: str, rows: list[DrillProgress]) -> int:
    """Insert or replace each row for this device (one upsert, so concurrent sends cannot collide)."""
    if not rows:
        return 0
    received = utc_now()
    statement = insert_for(connection, training_progress).values(
        [
            {
                "device_id": device_id,
                "cashier_id": r.cashier_id,
                "drill": r.drill,
                "best_score": r.best_score,
                "best_ms": r.best_ms,
                "first_done_at": r.first_done_at,
                "received_at": received,
            }
            for r in rows
        ]
    )
    excluded = statement.excluded
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["device_id", "cashier_id", "drill"],
            set_={
                "best_score": excluded.best_score,
                "best_ms": excluded.best_ms,
                "first_done_at": excluded.first_done_at,
                "received_at": excluded.received_at,
            },
        )
    )
    log.info("training progress from device %s: %d rows", device_id, len(rows))
    return len(rows)


def stored_rows(
    connection: Connection, device_id: str | None = None, stores: frozenset[str] | None = None
) -> list[DrillProgress]:
    """Every stored row (or one device's, or those of `stores` only), by device, cashier and drill."""
    query = select(training_progress).order_by(
        training_progress.c.device_id, training_progress.c.cashier_id, training_progress.c.drill
    )
    if device_id is not None:
        query = query.where(training_progress.c.device_id == device_id)
    if stores is not None:
        query = query.where(training_progress.c.device_id.in_(sorted(stores)))
    return [
        DrillProgress(r.cashier_id, r.drill, r.best_score, r.best_ms, r.first_done_at, r.device_id)
        for r in connection.execute(query)
    ]
