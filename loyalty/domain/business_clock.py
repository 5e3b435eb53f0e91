"""The device's business time: its own clock, or central's when the two disagree by more than `LARGE_SKEW_S`.

Dates on events decide which day's cap applies and when points expire, so a till whose clock is two days
ahead must not date its sales two days ahead. The sync measures the skew (device minus central) from
central's Date header at each contact; above the threshold, business time is the device's clock minus
that skew, and the till says its clock is wrong. Below it, the device's own clock is used (NTP-sized
differences and the header's one-second resolution do not matter). Until central was reached once since
the start, the device's own clock is all there is.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

#: A difference this large (seconds) is a wrong clock, not network delay or an NTP step.
LARGE_SKEW_S = 300.0

_lock = threading.Lock()
_skew_s = 0.0


def note_skew(measured_s: float | None) -> None:
    """The sync's latest measure of this device's clock minus central's (None: not measured this time)."""
    global _skew_s
    if measured_s is None:
        return
    with _lock:
        _skew_s = float(measured_s) if abs(measured_s) >= LARGE_SKEW_S else 0.0


def skew_s() -> float:
    """The correction in force: how far ahead of central this device's clock is (0 when it is right)."""
    with _lock:
        return _skew_s


def clock_wrong() -> bool:
    return skew_s() != 0.0


def now() -> float:
    """Business time as a Unix timestamp."""
    return time.time() - skew_s()


def now_datetime() -> datetime:
    """Business time in the device's time zone."""
    return datetime.fromtimestamp(now()).astimezone()
