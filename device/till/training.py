"""Training mode: guided drills with time and score, and an onboarding checklist per cashier."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from device.till.json_file import read_json, write_json
from loyalty.domain.events import now_local
from loyalty.drills import DRILLS, MAX_CASHIER_ID, MAX_SCORE, MAX_SECONDS, MISTAKE_COST
from loyalty.errors import UnknownDrill

SCHEMA = 1


@dataclass(frozen=True)
class DrillRun:
    """A drill under way: started at `started` (monotonic), with the mistakes made so far."""

    cashier_id: str
    drill: str
    started: float
    mistakes: int = 0


@dataclass(frozen=True)
class DrillResult:
    drill: str
    seconds: float
    score: int


class TrainingBook:
    """Drills under way and each cashier's best results (the onboarding checklist), in `till-training.json`."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic, now: Callable[[], str] = now_local):
        self._path = path
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._best: dict[str, dict[str, dict]] = read_json(path, {"schema": SCHEMA, "cashiers": {}})["cashiers"]
        self.run: DrillRun | None = None

    def start(self, cashier_id: str, drill: str) -> DrillRun:
        if drill not in DRILLS:
            raise UnknownDrill(f"no drill called {drill!r}")
        with self._lock:
            self.run = DrillRun(cashier_id, drill, self._clock())
            return self.run

    def mistake(self) -> None:
        with self._lock:
            if self.run is not None:
                self.run = DrillRun(self.run.cashier_id, self.run.drill, self.run.started, self.run.mistakes + 1)

    def done(self, operation: str) -> DrillResult | None:
        """Finish the drill under way if `operation` is what it asks for; its result, else None."""
        with self._lock:
            run = self.run
            if run is None or DRILLS[run.drill] != operation:
                return None
            self.run = None
            result = DrillResult(
                run.drill, round(self._clock() - run.started, 1), max(0, MAX_SCORE - MISTAKE_COST * run.mistakes)
            )
            best = self._best.setdefault(run.cashier_id, {})
            previous = best.get(run.drill)
            if (
                previous is None
                or result.score > previous["score"]
                or (result.score == previous["score"] and result.seconds < previous["seconds"])
            ):
                first_done = self._now() if previous is None else previous.get("first_done")
                best[run.drill] = {"seconds": result.seconds, "score": result.score, "first_done": first_done}
            data = {"schema": SCHEMA, "cashiers": {cid: dict(rows) for cid, rows in self._best.items()}}
        write_json(self._path, data)
        return result

    def checklist(self, cashier_id: str) -> list[dict]:
        """Every drill with the cashier's best result (None while not yet done)."""
        with self._lock:
            best = dict(self._best.get(cashier_id, {}))
        return [{"drill": drill, "best": best.get(drill)} for drill in DRILLS]

    def progress(self) -> list[dict[str, object]]:
        """Every cashier's best result per drill done, as central's training API takes them (no customer data)."""
        with self._lock:
            rows = [
                {
                    "cashier_id": cid,
                    "drill": drill,
                    "best_score": best["score"],
                    "best_seconds": best["seconds"],
                    "first_done_at": best.get("first_done"),
                }
                for cid, drills in sorted(self._best.items())
                for drill, best in sorted(drills.items())
            ]
        return [
            row
            for row in rows
            if row["drill"] in DRILLS
            and 0 <= row["best_seconds"] <= MAX_SECONDS
            and 0 < len(row["cashier_id"]) <= MAX_CASHIER_ID
        ]
