"""The rewards the kiosk offers: the catalogue central publishes, kept in a small JSON file of the device.

`RewardsFile.apply(batch)` takes the catalogue rows of a pull; the file is written atomically (temp file,
fsync, rename) so a power cut leaves the old or the new catalogue, never a torn one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from loyalty.domain.rewards import Reward
from loyalty.domain.snapshot import PulledBatch, RewardState
from loyalty.errors import StoreWriteError

logger = logging.getLogger(__name__)

FILE_NAME = "selfservice-rewards.json"
SCHEMA = 1


class RewardsFile:
    """Active rewards by id, loaded once and rewritten whole when a pull changes them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._rows: dict[str, RewardState] = {}
        try:
            document = json.loads(path.read_text("utf-8"))
            if document.get("schema") == SCHEMA:
                self._rows = {r["reward_id"]: RewardState(**r) for r in document["rewards"]}
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as exc:
            logger.error(
                "rewards file %s is unreadable (%s): starting empty until the next pull", path, type(exc).__name__
            )

    @classmethod
    def in_dir(cls, data_dir: Path) -> RewardsFile:
        return cls(data_dir / FILE_NAME)

    def apply(self, batch: PulledBatch) -> None:
        self.put(batch.rewards)

    def put(self, rows: tuple[RewardState, ...] | list[RewardState]) -> None:
        if not rows:
            return
        with self._lock:
            merged = dict(self._rows)
            merged.update({r.reward_id: r for r in rows})
            if merged == self._rows:
                return
            self._write(merged)
            self._rows = merged

    def rewards(self) -> list[Reward]:
        """Active rewards with a valid price, cheapest first (what the screen lists)."""
        with self._lock:
            rows = [r for r in self._rows.values() if r.active]
        found = []
        for r in rows:
            try:
                found.append(
                    Reward(r.reward_id, r.kind, r.name, r.points_price, r.stock, r.partner, r.face_value_cents)
                )
            except ValueError:
                logger.warning("reward %s is not offered: its catalogue entry is incomplete", r.reward_id)
        return sorted(found, key=lambda r: (r.points_price, r.reward_id))

    def get(self, reward_id: str) -> Reward | None:
        return next((r for r in self.rewards() if r.reward_id == reward_id), None)

    def _write(self, rows: dict[str, RewardState]) -> None:
        text = json.dumps({"schema": SCHEMA, "rewards": [r.__dict__ for r in rows.values()]}, ensure_ascii=False)
        tmp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(self.path)
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreWriteError(
                f"could not save the rewards catalogue ({exc.strerror}); the previous one is kept"
            ) from None
