"""Central's clock: UTC timestamps for what central itself records (device clocks are never trusted)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def utc_today() -> date:
    return datetime.now(UTC).date()


def epoch_s() -> int:
    return int(time.time())
