"""A customer's points by earning day, kept small: lots spent long ago fold into the debits, exactly.

`Ledger.lots` and `Ledger.debits` answer expiry (`expirable`, `notice`) and tiers (`points_in_period`).
A lot that debits have entirely consumed, oldest first, never counts in `expirable` again, and one older
than the longest tier period never counts in a tier: `compact` drops such lots and takes their points off
the debits, so every answer stays the same while a customer's row stays a few lots long.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta

from loyalty.domain.tiers import MAX_PERIOD_DAYS

#: Days kept beyond the longest tier period, so a device whose local day is behind central's still counts right.
CLOCK_MARGIN_DAYS = 2


def keep_from(today: date) -> str:
    """The oldest earning day a tier may still count on `today` or later (older lots can be compacted)."""
    return (today - timedelta(days=MAX_PERIOD_DAYS + CLOCK_MARGIN_DAYS)).isoformat()


def compact(lots: Mapping[str, int], debits: int, oldest_kept: str) -> tuple[dict[str, int], int]:
    """The lots without those consumed by debits (oldest first) and older than `oldest_kept`, and the debits left.

    A prefix of days is dropped only while each of its running totals stays within the debits, so for any
    day the unspent points (earned through that day minus debits) are the same or both at most 0. Empty
    lots count nowhere and are dropped at any age.
    """
    kept: dict[str, int] = {}
    dropped = 0
    folding = True
    for day in sorted(lots):
        points = lots[day]
        if folding and day < oldest_kept and dropped + points <= debits:
            dropped += points
            continue
        folding = False
        if points:
            kept[day] = points
    return kept, debits - dropped


def lots_to_json(lots: Mapping[str, int]) -> str:
    """Lots as compact JSON text, days in order (central's `customers.lots` column)."""
    return json.dumps({day: lots[day] for day in sorted(lots)}, separators=(",", ":"))


def lots_from_json(text: str | None) -> dict[str, int]:
    """Lots read back from `lots_to_json`; ValueError when the text is not such an object."""
    value = json.loads(text or "{}")
    if not isinstance(value, dict) or not all(
        isinstance(d, str) and isinstance(p, int) and not isinstance(p, bool) for d, p in value.items()
    ):
        raise ValueError("lots must map days to whole points")
    return value
