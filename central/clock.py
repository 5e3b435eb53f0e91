"""Central's clock: UTC timestamps for what central itself records (device clocks are never trusted)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def utc_seconds_ago(seconds: float) -> str:
    """A past moment in `utc_now`'s format, so stored times compare with it as text."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def utc_today() -> date:
    return datetime.now(UTC).date()


def epoch_s() -> int:
    return int(time.time())
