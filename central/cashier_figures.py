"""Adoption figures tills send per cashier per day: stored once per (device, cashier, day), newest wins.

A till counts operations, customers captured per unknown card and the time each earn took; it sends each
day's running totals, so sending a day again replaces it (an idempotent upsert, never a sum).
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, and_, select

from central import csv_cells
from central.capture_rate import capture_rate_pct
from central.clock import utc_now
from central.errors import BadRequest, RequestTooLarge
from central.schema import cashier_day_figures
from loyalty.wire import ADOPTION_COUNTERS

log = logging.getLogger(__name__)

MAX_ROWS = 500
MAX_COUNT = 2**31 - 1
MAX_MS_TOTAL = 2**53
MAX_ID = 64


@dataclass(frozen=True)
class DayFigures:
    """One cashier's totals for one day on one device."""

    cashier_id: str
    day: str
    operations: int = 0
    earns: int = 0
    unknown_cards: int = 0
    captured: int = 0
    skipped: int = 0
    redemptions: int = 0
    refunds: int = 0
    undos: int = 0
    op_ms_total: int = 0
    timed_ops: int = 0


def parse_rows(body: dict) -> list[DayFigures]:
    """The `days` list of a device's request, each row checked; one bad row refuses them all."""
    rows = body.get("days")
    if not isinstance(rows, list):
        raise BadRequest("days must be a list of {day, cashier_id, counters...}")
    if len(rows) > MAX_ROWS:
        raise RequestTooLarge(f"at most {MAX_ROWS} rows per request; send fewer days")
    parsed: dict[tuple[str, str], DayFigures] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadRequest(f"row {index}: must be an object")
        cashier = row.get("cashier_id")
        if not isinstance(cashier, str) or not 0 < len(cashier) <= MAX_ID:
            raise BadRequest(f"row {index}: cashier_id must be 1 to {MAX_ID} characters")
        day = row.get("day")
        try:
            if not isinstance(day, str) or len(day) != 10:
                raise ValueError
            date.fromisoformat(day)
        except ValueError:
            raise BadRequest(f"row {index}: day must be a date YYYY-MM-DD") from None
        unknown = sorted(set(row) - {"cashier_id", "day", *ADOPTION_COUNTERS})
        if unknown:
            raise BadRequest(f"row {index}: unknown field {unknown[0]!r}")
        counts = {}
        for name in ADOPTION_COUNTERS:
            value = row.get(name, 0)
            limit = MAX_MS_TOTAL if name == "op_ms_total" else MAX_COUNT
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
                raise BadRequest(f"row {index}: {name} must be a whole number from 0 to {limit}")
            counts[name] = value
        if (cashier, day) in parsed:
            raise BadRequest(f"row {index}: cashier {cashier!r} on {day} appears twice")
        parsed[(cashier, day)] = DayFigures(cashier, day, **counts)
    return list(parsed.values())


def store_rows(connection: Connection, device_id: str, rows: list[DayFigures]) -> int:
    """Insert or replace each row for this device; returns how many rows were stored."""
    received = utc_now()
    for row in rows:
        key = and_(
            cashier_day_figures.c.device_id == device_id,
            cashier_day_figures.c.cashier_id == row.cashier_id,
            cashier_day_figures.c.day == row.day,
        )
        values = {name: getattr(row, name) for name in ADOPTION_COUNTERS} | {"received_at": received}
        updated = connection.execute(cashier_day_figures.update().where(key).values(**values)).rowcount
        if not updated:
            connection.execute(
                cashier_day_figures.insert().values(
                    device_id=device_id, cashier_id=row.cashier_id, day=row.day, **values
                )
            )
    log.info("adoption figures from device %s: %d cashier-days", device_id, len(rows))
    return len(rows)


@dataclass(frozen=True)
class AdoptionRow:
    """Totals for one cashier or one store over a period, as the tills measured them."""

    key: str
    operations: int
    earns: int
    unknown_cards: int
    captured: int
    op_ms_total: int
    timed_ops: int

    @property
    def mean_op_s(self) -> float | None:
        """Mean time of a timed operation in seconds (one decimal), None before any."""
        return round(self.op_ms_total / self.timed_ops / 1000, 1) if self.timed_ops else None

    @property
    def capture_rate_pct(self) -> float | None:
        """The capture rate (central/capture_rate.py): captured ÷ unknown-card sales, never above 100 %."""
        return capture_rate_pct(self.captured, self.unknown_cards)


_SUMMED = ("operations", "earns", "unknown_cards", "captured", "op_ms_total", "timed_ops")


def adoption_rows(
    connection: Connection,
    start: date | None,
    end: date | None,
    stores: frozenset[str] | None = None,
) -> tuple[tuple[AdoptionRow, ...], tuple[AdoptionRow, ...]]:
    """Per cashier and per store (device), the period's summed figures, each sorted by key; with `stores`,
    only those devices' figures."""
    query = select(cashier_day_figures)
    if stores is not None:
        query = query.where(cashier_day_figures.c.device_id.in_(sorted(stores)))
    if start is not None:
        query = query.where(cashier_day_figures.c.day >= start.isoformat())
    if end is not None:
        query = query.where(cashier_day_figures.c.day <= end.isoformat())
    by_cashier: dict[str, list[int]] = defaultdict(lambda: [0] * len(_SUMMED))
    by_store: dict[str, list[int]] = defaultdict(lambda: [0] * len(_SUMMED))
    for row in connection.execute(query):
        for totals in (by_cashier[row.cashier_id], by_store[row.device_id]):
            for i, name in enumerate(_SUMMED):
                totals[i] += getattr(row, name)
    return (
        tuple(AdoptionRow(k, *v) for k, v in sorted(by_cashier.items())),
        tuple(AdoptionRow(k, *v) for k, v in sorted(by_store.items())),
    )


def adoption_csv(rows: tuple[AdoptionRow, ...], key_name: str) -> str:
    """Adoption rows as CSV, with the time per operation and the capture rate worked out."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow([key_name, *_SUMMED, "mean_op_s", "capture_rate_pct"])
    for row in rows:
        writer.writerow(
            [
                row.key,
                *(getattr(row, n) for n in _SUMMED),
                "" if row.mean_op_s is None else f"{row.mean_op_s:.1f}",
                "" if row.capture_rate_pct is None else f"{row.capture_rate_pct:.1f}",
            ]
        )
    return out.getvalue()
