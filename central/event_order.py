"""The order events happened in: each device's own sequence, devices interleaved by their clocks.

Central's arrival order is not enough: a batch is stored by event id, a device offline for a day pushes
late, and an expiry run or a test may send several devices' events at once. Within one device the
sequence number is the truth (a clock set back must not put a refund before its sale).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime

from loyalty.domain.events import Event

_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def moment(event: Event) -> datetime:
    """The event's device time in UTC (an unreadable time sorts first)."""
    try:
        return datetime.fromisoformat(event.at).astimezone(UTC)
    except ValueError:
        return _LONG_AGO


def happened_order(event: Event) -> tuple:
    """A sort key: device time, then device, then the device's sequence number."""
    return moment(event), event.device_id, event.seq or 0


def in_happened_order(events: Iterable[Event]) -> list[Event]:
    """Each device's events in sequence order, the devices merged by time (ties by device id)."""
    by_device: dict[str, list[Event]] = {}
    for event in events:
        by_device.setdefault(event.device_id, []).append(event)
    streams = [sorted(stream, key=lambda e: e.seq or 0) for _, stream in sorted(by_device.items())]
    return list(heapq.merge(*streams, key=moment))
