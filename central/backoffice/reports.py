"""Programme figures: points earned, redeemed and outstanding, active customers, capture rate per cashier
and per store, rewards and vouchers by partner; each exportable as CSV.

`build_report` sums the totals central keeps at each push (`central.report_totals`), so a page costs the
same after a year of trade as after a day. `compute_report` is the same arithmetic as a fold of the whole
ledger with the domain's own `Ledger`: the reference the tests hold the totals to, and the benchmark's
baseline. A store is a device here (its events' `device_id`). The period filters on the event's local day
on the device; the outstanding liability is always what customers hold at the end of the period.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from dataclasses import astuple, dataclass, fields
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Connection, func, select

from central import csv_cells
from central.event_order import in_happened_order
from central.report_totals import DAY_FIGURES, NO_CASHIER, REWARD_FIGURES
from central.schema import catalogue, events, report_active_days, report_day_totals, report_reward_days
from kiosk.domain.events import (
    EVENT_TYPES,
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsEarned,
    PointsExpired,
    PointsRedeemed,
    VoucherIssued,
    from_record,
)
from kiosk.domain.ledger import Ledger
from kiosk.errors import BadRequest


@dataclass(frozen=True)
class Period:
    """Inclusive range of local days; None on either side means open."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise BadRequest(_("the end of the period is before its start"))

    def holds(self, day: str) -> bool:
        return (self.start is None or day >= self.start.isoformat()) and (
            self.end is None or day <= self.end.isoformat())

    def before_end(self, day: str) -> bool:
        return self.end is None or day <= self.end.isoformat()

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        try:
            return cls(date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
        except ValueError:
            raise BadRequest(_("period dates must be YYYY-MM-DD")) from None


@dataclass(frozen=True)
class PointsSummary:
    """Points moved in the period and what customers hold at its end (the programme's liability).

    The outstanding points are the sum of balances: a balance two offline tills overdrew counts below
    zero until its redemption, flagged for review, is settled.
    """

    points_earned: int
    points_reversed: int
    points_redeemed: int
    points_expired: int
    outstanding_points: int | None  # None where the viewer is not shown the chain-wide liability
    earn_operations: int
    customers_registered: int
    active_customers: int


@dataclass(frozen=True)
class CaptureRow:
    """Customers registered and earn operations, for one cashier or one store (the capture rate is the
    tills' own figure, central/capture_rate.py: the ledger does not know the unknown cards met)."""

    key: str
    customers_registered: int
    earn_operations: int



@dataclass(frozen=True)
class PartnerRow:
    """Redemptions of one reward kind for one partner (in-house rewards under the partner `in-house`)."""

    partner: str
    kind: str
    redemptions: int
    quantity: int
    points: int
    vouchers_issued: int
    face_value_cents: int


@dataclass(frozen=True)
class Report:
    """Everything the reports page shows, for one period."""

    period: Period
    summary: PointsSummary
    by_cashier: tuple[CaptureRow, ...]
    by_store: tuple[CaptureRow, ...]
    by_partner: tuple[PartnerRow, ...]
    active_customer_ids: frozenset[str] = frozenset()


def load_events(connection: Connection) -> list[Event]:
    """Every ledger event in the order it happened (`central.event_order.in_happened_order`)."""
    rows = connection.execute(select(events.c.payload).order_by(events.c.id))
    return in_happened_order(_stored_event(payload) for payload, in rows)


def _stored_event(payload: str) -> Event:
    """An event from its stored record: checked in full at ingest, so only rebuilt here (3x faster)."""
    record = json.loads(payload)
    cls = EVENT_TYPES.get(record.pop("type", None))
    if cls is None:
        return from_record(record)  # raises InvalidEvent naming what is wrong
    if "lines" in record:
        record["lines"] = tuple(tuple(line) for line in record["lines"])
    return cls(**record)


def _partners(connection: Connection) -> dict[str, str]:
    rows = connection.execute(select(catalogue.c.reward_id, catalogue.c.partner))
    return {reward_id: partner for reward_id, partner in rows if partner}


def build_report(connection: Connection, period: Period, stores: frozenset[str] | None = None) -> Report:
    """The report for `period` from the stored totals (only those stores' operations when `stores` is given).

    As in `compute_report`, the outstanding points stay chain-wide with `stores`.
    """
    _check_stores(stores)
    t, r, a = report_day_totals, report_reward_days, report_active_days
    day_rows = connection.execute(
        select(t.c.device_id, t.c.cashier_id, *[func.sum(t.c[name]).label(name) for name in DAY_FIGURES])
        .where(*_within(t, period, stores)).group_by(t.c.device_id, t.c.cashier_id)).all()
    outstanding = connection.execute(select(func.coalesce(func.sum(t.c.balance_change), 0))
                                     .where(*_within(t, Period(None, period.end), None))).scalar_one()
    reward_rows = connection.execute(
        select(r.c.kind, r.c.reward_id, r.c.partner, *[func.sum(r.c[name]).label(name) for name in REWARD_FIGURES])
        .where(*_within(r, period, stores)).group_by(r.c.kind, r.c.reward_id, r.c.partner)).all()
    active = frozenset(connection.execute(
        select(a.c.customer_id).where(*_within(a, period, stores)).distinct()).scalars())

    def total(name: str) -> int:
        return sum(int(getattr(row, name)) for row in day_rows)

    summary = PointsSummary(
        points_earned=total("points_earned"), points_reversed=total("points_reversed"),
        points_redeemed=total("points_redeemed"), points_expired=total("points_expired"),
        outstanding_points=int(outstanding), earn_operations=total("earn_operations"),
        customers_registered=total("customers_registered"), active_customers=len(active))
    return Report(period=period, summary=summary,
                  by_cashier=_capture_rows(day_rows, "cashier_id"), by_store=_capture_rows(day_rows, "device_id"),
                  by_partner=_partner_rows(reward_rows, _partners(connection)), active_customer_ids=active)


def _check_stores(stores: frozenset[str] | None) -> None:
    if isinstance(stores, str):  # one id would be matched as a substring
        raise TypeError("stores is a set of device ids, not one id")


def _within(table, period: Period, stores: frozenset[str] | None) -> list:
    """Conditions on a totals table's `day` (and `device_id`) for a period and optional stores."""
    conditions = []
    if period.start is not None:
        conditions.append(table.c.day >= period.start.isoformat())
    if period.end is not None:
        conditions.append(table.c.day <= period.end.isoformat())
    if stores is not None:
        conditions.append(table.c.device_id.in_(sorted(stores)))
    return conditions


def _capture_rows(day_rows, key: str) -> tuple[CaptureRow, ...]:
    """Registrations and earns per cashier or per store, for those who made either."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in day_rows:
        if row.customers_registered or row.earn_operations:
            counts[getattr(row, key)][0] += int(row.customers_registered)
            counts[getattr(row, key)][1] += int(row.earn_operations)
    return tuple(CaptureRow(k, *v) for k, v in sorted(counts.items()))


def _partner_rows(reward_rows, partner_of: dict[str, str]) -> tuple[PartnerRow, ...]:
    """Rewards and vouchers per partner; a redemption's partner is its catalogue entry's, as in `compute_report`."""
    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(REWARD_FIGURES))
    for row in reward_rows:
        partner = row.partner or (partner_of.get(row.reward_id, "in-house") if row.kind == "partner_voucher"
                                  else "in-house")
        counts = rows[(partner, row.kind)]
        for index, name in enumerate(REWARD_FIGURES):
            counts[index] += int(getattr(row, name))
    return tuple(PartnerRow(p, k, *v) for (p, k), v in sorted(rows.items()))


def compute_report(ledger_events: list[Event], period: Period, partner_of: dict[str, str],
                   stores: frozenset[str] | None = None) -> Report:
    """Fold events in order and count what falls in the period (pure: tests feed it ledgers directly).

    With `stores` (device ids; None: every store), only those devices' operations are counted; the
    outstanding points stay chain-wide, since a customer's balance belongs to no single store.
    """
    _check_stores(stores)
    ledger = Ledger()
    earned = reversed_points = redeemed = expired = earn_ops = registered = 0
    active: set[str] = set()
    cashier_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    store_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    partner_rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for event in ledger_events:
        day = event.day
        if not period.before_end(day):
            continue
        customer = getattr(event, "customer_id", None)
        before = ledger.balance(customer) if customer else 0
        if not ledger.apply(event) or not period.holds(day):
            continue
        if stores is not None and event.device_id not in stores:
            continue
        cashier = event.cashier_id or NO_CASHIER
        if isinstance(event, PointsEarned):
            earned += event.points
            earn_ops += 1
            active.add(event.customer_id)
            cashier_counts[cashier][1] += 1
            store_counts[event.device_id][1] += 1
        elif isinstance(event, CustomerRegistered):
            registered += 1
            cashier_counts[cashier][0] += 1
            store_counts[event.device_id][0] += 1
        elif isinstance(event, EarnReversed):
            reversed_points += before - ledger.balance(event.customer_id)
        elif isinstance(event, PointsExpired):
            expired += before - ledger.balance(event.customer_id)
        elif isinstance(event, PointsRedeemed):
            redeemed += event.points
            active.add(event.customer_id)
            partner = partner_of.get(event.reward_id, "in-house") if event.reward_kind == "partner_voucher" \
                else "in-house"
            row = partner_rows[(partner, event.reward_kind)]
            row[0] += 1
            row[1] += event.quantity
            row[2] += event.points
        elif isinstance(event, VoucherIssued):
            row = partner_rows[(event.partner, "partner_voucher")]
            row[3] += 1
            row[4] += event.face_value_cents
    summary = PointsSummary(
        points_earned=earned, points_reversed=reversed_points, points_redeemed=redeemed,
        points_expired=expired, outstanding_points=sum(ledger.balances.values()),
        earn_operations=earn_ops, customers_registered=registered, active_customers=len(active))
    return Report(
        period=period, summary=summary,
        by_cashier=tuple(CaptureRow(k, *v) for k, v in sorted(cashier_counts.items())),
        by_store=tuple(CaptureRow(k, *v) for k, v in sorted(store_counts.items())),
        by_partner=tuple(PartnerRow(p, k, *v) for (p, k), v in sorted(partner_rows.items())),
        active_customer_ids=frozenset(active),
    )


REPORT_NAMES = ("summary", "cashiers", "stores", "partners")


def report_csv(report: Report, name: str) -> str:
    """One part of the report as CSV (a header line, then one line per row)."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    if name == "summary":
        writer.writerow(["period_start", "period_end", *[f.name for f in fields(PointsSummary)]])
        writer.writerow([report.period.start or "", report.period.end or "", *astuple(report.summary)])
    elif name in ("cashiers", "stores"):
        rows = report.by_cashier if name == "cashiers" else report.by_store
        writer.writerow(["cashier_id" if name == "cashiers" else "device_id", "customers_registered",
                         "earn_operations"])
        for row in rows:
            writer.writerow([row.key, row.customers_registered, row.earn_operations])
    elif name == "partners":
        writer.writerow([f.name for f in fields(PartnerRow)])
        for row in report.by_partner:
            writer.writerow(astuple(row))
    else:
        raise BadRequest(_("no report named %(name)r; reports: %(names)s", name=name, names=", ".join(REPORT_NAMES)))
    return out.getvalue()
