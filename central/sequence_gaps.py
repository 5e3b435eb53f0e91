"""Per-device sequence gaps: numbers a device gave its events that central never received.

Each device numbers its events 1, 2, 3... Central's `seq_through` is the end of the run it holds without a
hole; any number missing between it and the highest number received is an event recorded on the device and
not (yet) here: sent later by `kiosk salvage --send`, or lost with a damaged file. The back office and
`kiosk status` show them, so a loss is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from central.clock import utc_now
from central.push_refusals import refused_seqs
from central.schema import devices, events, lost_sequences

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
        return {
            "device_id": self.device_id,
            "seq_through": self.seq_through,
            "seq_max": self.seq_max,
            "missing": self.missing,
            "ranges": [list(r) for r in self.ranges],
        }


def device_gaps(connection: Connection, device_id: str) -> DeviceGaps:
    """The gaps of one device (none when it is up to date)."""
    through = connection.execute(select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar()
    return _gaps(connection, device_id, through or 0)


def all_gaps(connection: Connection) -> list[DeviceGaps]:
    """Every device with at least one missing number, by device id."""
    found = []
    for device_id, through in connection.execute(
        select(devices.c.device_id, devices.c.seq_through).order_by(devices.c.device_id)
    ):
        above = connection.execute(
            select(func.count()).select_from(events).where(events.c.device_id == device_id, events.c.seq > through)
        ).scalar_one()
        if above:
            gaps = _gaps(connection, device_id, through)
            if gaps.missing:
                found.append(gaps)
    return found


def _gaps(connection: Connection, device_id: str, through: int) -> DeviceGaps:
    ranges: list[tuple[int, int]] = []
    missing = 0
    last = through
    for low, high in _held_runs(connection, device_id, through):
        if low > last + 1:
            missing += low - last - 1
            if len(ranges) < LISTED:
                ranges.append((last + 1, low - 1))
        last = max(last, high)
    return DeviceGaps(device_id, through, last, tuple(ranges), missing)


def _held_runs(connection: Connection, device_id: str, through: int) -> list[tuple[int, int]]:
    """Numbers above `through` central holds as (low, high) runs: received events and ranges recorded lost."""
    seqs = connection.execute(
        select(events.c.seq)
        .where(events.c.device_id == device_id, events.c.seq > through)
        .distinct()
        .order_by(events.c.seq)
        .limit(100_000)
    ).scalars()
    runs = [(seq, seq) for seq in seqs]
    # a number central refused for good is passed over like one it holds
    runs += [(seq, seq) for seq in connection.execute(refused_seqs(device_id, through)).scalars()]
    runs += [
        (low, high)
        for low, high in connection.execute(
            select(lost_sequences.c.seq_from, lost_sequences.c.seq_to).where(
                lost_sequences.c.device_id == device_id, lost_sequences.c.seq_to > through
            )
        )
    ]
    return sorted(runs)


def run_end(connection: Connection, device_id: str, through: int) -> int:
    """The end of the gap-free run from `through`, going over numbers recorded as lost."""
    for low, high in _held_runs(connection, device_id, through):
        if low > through + 1:
            break
        through = max(through, high)
    return through


def record_lost(connection: Connection, device_id: str, actor: str) -> DeviceGaps:
    """Head office records the device's missing numbers as lost (after salvage found nothing more); returns the
    gaps that were recorded. Central's gap-free run then goes over them, and the device stops keeping the
    events after them."""
    from central.ingest import advance_seq_through

    gaps = device_gaps(connection, device_id)
    low = gaps.seq_through
    for start, end in _all_ranges(connection, device_id, low):
        connection.execute(
            lost_sequences.insert().values(
                device_id=device_id, seq_from=start, seq_to=end, recorded_at=utc_now(), recorded_by=actor
            )
        )
    advance_seq_through(connection, device_id)
    return gaps


def _all_ranges(connection: Connection, device_id: str, through: int) -> list[tuple[int, int]]:
    ranges = []
    last = through
    for low, high in _held_runs(connection, device_id, through):
        if low > last + 1:
            ranges.append((last + 1, low - 1))
        last = max(last, high)
    return ranges
