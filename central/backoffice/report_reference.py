"""The reference report: the same arithmetic as `report_query` as a fold of the whole ledger with the domain's
own `Ledger`. The tests hold the kept totals to it, and it is the benchmark's baseline."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, select

from central.backoffice.report_model import CaptureRow, PartnerRow, Period, PointsSummary, Report, check_stores
from central.event_order import in_happened_order
from central.report_totals import NO_CASHIER
from central.schema import events
from loyalty.domain.events import (
    EVENT_TYPES,
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsEarned,
    PointsExpired,
    PointsRedeemed,
    PoolRedeemed,
    VoucherIssued,
    from_record,
)
from loyalty.domain.ledger import Ledger


def load_events(connection: Connection) -> list[Event]:
    """Every ledger event in the order it happened (`central.event_order.in_happened_order`)."""
    rows = connection.execute(select(events.c.payload).order_by(events.c.id))
    return in_happened_order(_stored_event(payload) for (payload,) in rows)


def _stored_event(payload: str) -> Event:
    """An event from its stored record: checked in full at ingest, so only rebuilt here (3x faster)."""
    record = json.loads(payload)
    cls = EVENT_TYPES.get(record.pop("type", None))
    if cls is None:
        return from_record(record)  # raises InvalidEvent naming what is wrong
    if "lines" in record:
        record["lines"] = tuple(tuple(line) for line in record["lines"])
    return cls(**record)


def compute_report(
    ledger_events: list[Event], period: Period, partner_of: dict[str, str], stores: frozenset[str] | None = None
) -> Report:
    """Fold events in order and count what falls in the period (pure: tests feed it ledgers directly).

    With `stores` (device ids; None: every store), only those devices' operations are counted; the
    outstanding points stay chain-wide, since a customer's balance belongs to no single store.
    """
    check_stores(stores)
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
        before = ledger.points_held_by(event)
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
            reversed_points += before - ledger.points_held_by(event)
        elif isinstance(event, PointsExpired):
            expired += before - ledger.points_held_by(event)
        elif isinstance(event, (PointsRedeemed, PoolRedeemed)):
            redeemed += event.points
            active.add(event.customer_id)
            partner = (
                partner_of.get(event.reward_id, "in-house") if event.reward_kind == "partner_voucher" else "in-house"
            )
            row = partner_rows[(partner, event.reward_kind)]
            row[0] += 1
            row[1] += event.quantity
            row[2] += event.points
        elif isinstance(event, VoucherIssued):
            row = partner_rows[(event.partner, "partner_voucher")]
            row[3] += 1
            row[4] += event.face_value_cents
    summary = PointsSummary(
        points_earned=earned,
        points_reversed=reversed_points,
        points_redeemed=redeemed,
        points_expired=expired,
        outstanding_points=ledger.points_held(),
        earn_operations=earn_ops,
        customers_registered=registered,
        active_customers=len(active),
    )
    return Report(
        period=period,
        summary=summary,
        by_cashier=tuple(CaptureRow(k, *v) for k, v in sorted(cashier_counts.items())),
        by_store=tuple(CaptureRow(k, *v) for k, v in sorted(store_counts.items())),
        by_partner=tuple(PartnerRow(p, k, *v) for (p, k), v in sorted(partner_rows.items())),
        active_customer_ids=frozenset(active),
    )
