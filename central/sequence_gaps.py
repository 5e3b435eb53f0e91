"""Per-device sequence gaps: numbers a device gave its events that central never received.

Each device numbers its events 1, 2, 3... Central's `seq_through` is the end of the run it holds without a
hole; any number missing between it and the highest number received is an event recorded on the device and
not (yet) here: sent later by `kiosk salvage --send`, or lost with a damaged file. The back office and
`kiosk status` show them, so a loss is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from central.schema import devices, events

#: Above this many holes only the first ones are listed (the count stays exact).
LISTED = 20


@dataclass(frozen=True)
class DeviceGaps:
    """One device's gap-free run, highest number received, missing numbers as ranges, and how many."""

    device_id: str
    seq_through: int
    seq_max: int
    ranges: tuple[tuple[int, int], ...]
    missing: int

    def to_json(self) -> dict[str, object]:
        return {"device_id": self.device_id, "seq_through": self.seq_through, "seq_max": self.seq_max,
                "missing": self.missing, "ranges": [list(r) for r in self.ranges]}


def device_gaps(connection: Connection, device_id: str) -> DeviceGaps:
    """The gaps of one device (none when it is up to date)."""
    through = connection.execute(select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar()
    return _gaps(connection, device_id, through or 0)


def all_gaps(connection: Connection) -> list[DeviceGaps]:
    """Every device with at least one missing number, by device id."""
    found = []
    for device_id, through in connection.execute(select(devices.c.device_id, devices.c.seq_through)
                                                 .order_by(devices.c.device_id)):
        above = connection.execute(select(func.count()).select_from(events).where(
            events.c.device_id == device_id, events.c.seq > through)).scalar_one()
        if above:
            gaps = _gaps(connection, device_id, through)
            if gaps.missing:
                found.append(gaps)
    return found


def _gaps(connection: Connection, device_id: str, through: int) -> DeviceGaps:
    seqs = connection.execute(select(events.c.seq).where(events.c.device_id == device_id, events.c.seq > through)
                              .distinct().order_by(events.c.seq)).scalars()
    ranges: list[tuple[int, int]] = []
    missing = 0
    last = through
    for seq in seqs:
        if seq > last + 1:
            missing += seq - last - 1
            if len(ranges) < LISTED:
                ranges.append((last + 1, seq - 1))
        last = max(last, seq)
    return DeviceGaps(device_id, through, last, tuple(ranges), missing)
