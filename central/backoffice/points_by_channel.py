"""Points by channel: what tills and kiosks (store), the web shop, the catalogue and partners moved in a period.

Read from the report totals kept at each push (`report_day_totals`): an order channel's events carry the
pseudo-device `channel:<name>` (`central.orders`), every real device is a store, and central's own
customer-service adjustments are shown apart.
"""

from __future__ import annotations

import io
from dataclasses import astuple, dataclass, fields

from sqlalchemy import Connection, func, select

from central import csv_cells
from central.backoffice.reports import Period
from central.devices import CENTRAL_DEVICE_ID
from central.orders import CHANNEL_DEVICE_PREFIX
from central.schema import report_day_totals

#: Every channel the table shows, in its order, even when it moved nothing.
CHANNEL_ORDER = ("store", "web", "catalogue", "partner", "customer_service")


@dataclass(frozen=True)
class ChannelPoints:
    """One channel's points in the period."""

    channel: str
    points_earned: int
    points_reversed: int
    earn_operations: int


def channel_of(device_id: str) -> str:
    if device_id.startswith(CHANNEL_DEVICE_PREFIX):
        return device_id[len(CHANNEL_DEVICE_PREFIX) :]
    return "customer_service" if device_id == CENTRAL_DEVICE_ID else "store"


def points_by_channel(connection: Connection, period: Period, stores: frozenset[str] | None) -> list[ChannelPoints]:
    """Per channel; `stores` (a manager's) limits the answer to those stores' tills, None is the whole chain."""
    t = report_day_totals
    query = select(
        t.c.device_id, func.sum(t.c.points_earned), func.sum(t.c.points_reversed), func.sum(t.c.earn_operations)
    ).group_by(t.c.device_id)
    if period.start:
        query = query.where(t.c.day >= period.start.isoformat())
    if period.end:
        query = query.where(t.c.day <= period.end.isoformat())
    if stores is not None:
        query = query.where(t.c.device_id.in_(stores))
    totals: dict[str, list[int]] = {}
    for device_id, earned, reversed_, operations in connection.execute(query):
        row = totals.setdefault(channel_of(device_id), [0, 0, 0])
        row[0] += int(earned or 0)
        row[1] += int(reversed_ or 0)
        row[2] += int(operations or 0)
    shown = [c for c in CHANNEL_ORDER if stores is None or c == "store"]
    shown += sorted(set(totals) - set(shown))
    return [ChannelPoints(c, *totals.get(c, [0, 0, 0])) for c in shown]


def channels_csv(rows: list[ChannelPoints]) -> str:
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow([f.name for f in fields(ChannelPoints)])
    for row in rows:
        writer.writerow(astuple(row))
    return out.getvalue()
