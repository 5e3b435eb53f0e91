"""Cashiers' onboarding checklist from the tills' training progress: drills done out of five, best score and
time per drill, and where each was done. Read by the cashiers page (every device) and the device page."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from central import csv_cells
from central.schema import cashiers
from central.training_progress import DrillProgress, stored_rows
from loyalty.drills import DRILLS


@dataclass(frozen=True)
class CashierTraining:
    """One cashier's checklist: per drill (in the till's order) the best result, or None while not done."""

    cashier_id: str
    name: str | None
    drills: tuple[DrillProgress | None, ...]
    devices: tuple[str, ...]

    @property
    def done(self) -> int:
        return sum(best is not None for best in self.drills)

    @property
    def total(self) -> int:
        return len(self.drills)

    @property
    def steps(self) -> tuple[tuple[str, DrillProgress | None], ...]:
        """(drill, best result or None) in the till's order."""
        return tuple(zip(DRILLS, self.drills, strict=True))


def _better(a: DrillProgress, b: DrillProgress | None) -> bool:
    """The till's rule: a higher score, or the same score in less time."""
    return b is None or a.best_score > b.best_score or (a.best_score == b.best_score and a.best_ms < b.best_ms)


def _earliest(times: Iterable[str | None]) -> str | None:
    known = [t for t in times if t]
    return min(known, key=lambda t: datetime.fromisoformat(t).timestamp()) if known else None


def checklists(
    connection: Connection, device_id: str | None = None, also: Iterable[str] = (), stores: frozenset[str] | None = None
) -> list[CashierTraining]:
    """Each cashier's checklist (on one device, or their best over every device of `stores`, None: all),
    sorted by id; cashiers in `also` are listed even before any drill. A drill's first completion is the
    earliest on any counted device."""
    names = {r.cashier_id: r.name for r in connection.execute(select(cashiers.c.cashier_id, cashiers.c.name))}
    rows = stored_rows(connection, device_id, stores)
    best: dict[str, dict[str, DrillProgress]] = {cid: {} for cid in also}
    first: dict[tuple[str, str], list[str | None]] = {}
    devices: dict[str, set[str]] = {}
    for row in rows:
        drills = best.setdefault(row.cashier_id, {})
        if _better(row, drills.get(row.drill)):
            drills[row.drill] = row
        first.setdefault((row.cashier_id, row.drill), []).append(row.first_done_at)
        devices.setdefault(row.cashier_id, set()).add(row.device_id)
    out = []
    for cid, drills in sorted(best.items()):
        per_drill = tuple(
            None
            if d not in drills
            else DrillProgress(
                cid, d, drills[d].best_score, drills[d].best_ms, _earliest(first[(cid, d)]), drills[d].device_id
            )
            for d in DRILLS
        )
        out.append(CashierTraining(cid, names.get(cid), per_drill, tuple(sorted(devices.get(cid, ())))))
    return out


def progress_csv(rows: list[DrillProgress]) -> str:
    """Every stored row: device, cashier, drill, best score, best time in seconds, first completion."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow(["device_id", "cashier_id", "drill", "best_score", "best_seconds", "first_done_at"])
    for r in rows:
        writer.writerow(
            [r.device_id, r.cashier_id, r.drill, r.best_score, f"{r.best_seconds:.1f}", r.first_done_at or ""]
        )
    return out.getvalue()
