"""The report from the totals central keeps at each push (`central.report_totals`): a page costs the same
after a year of trade as after a day."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, func, select

from central.backoffice.report_model import CaptureRow, PartnerRow, Period, PointsSummary, Report, check_stores
from central.report_totals import DAY_FIGURES, REWARD_FIGURES
from central.schema import catalogue, report_active_days, report_day_totals, report_reward_days


def _partners(connection: Connection) -> dict[str, str]:
    rows = connection.execute(select(catalogue.c.reward_id, catalogue.c.partner))
    return {reward_id: partner for reward_id, partner in rows if partner}


def build_report(connection: Connection, period: Period, stores: frozenset[str] | None = None) -> Report:
    """The report for `period` from the stored totals (only those stores' operations when `stores` is given).

    As in `compute_report`, the outstanding points stay chain-wide with `stores`.
    """
    check_stores(stores)
    t, r, a = report_day_totals, report_reward_days, report_active_days
    day_rows = connection.execute(
        select(t.c.device_id, t.c.cashier_id, *[func.sum(t.c[name]).label(name) for name in DAY_FIGURES])
        .where(*_within(t, period, stores))
        .group_by(t.c.device_id, t.c.cashier_id)
    ).all()
    outstanding = connection.execute(
        select(func.coalesce(func.sum(t.c.balance_change), 0)).where(*_within(t, Period(None, period.end), None))
    ).scalar_one()
    reward_rows = connection.execute(
        select(r.c.kind, r.c.reward_id, r.c.partner, *[func.sum(r.c[name]).label(name) for name in REWARD_FIGURES])
        .where(*_within(r, period, stores))
        .group_by(r.c.kind, r.c.reward_id, r.c.partner)
    ).all()
    active = frozenset(
        connection.execute(select(a.c.customer_id).where(*_within(a, period, stores)).distinct()).scalars()
    )

    def total(name: str) -> int:
        return sum(int(getattr(row, name)) for row in day_rows)

    summary = PointsSummary(
        points_earned=total("points_earned"),
        points_reversed=total("points_reversed"),
        points_redeemed=total("points_redeemed"),
        points_expired=total("points_expired"),
        outstanding_points=int(outstanding),
        earn_operations=total("earn_operations"),
        customers_registered=total("customers_registered"),
        active_customers=len(active),
    )
    return Report(
        period=period,
        summary=summary,
        by_cashier=_capture_rows(day_rows, "cashier_id"),
        by_store=_capture_rows(day_rows, "device_id"),
        by_partner=_partner_rows(reward_rows, _partners(connection)),
        active_customer_ids=active,
    )


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
        partner = row.partner or (
            partner_of.get(row.reward_id, "in-house") if row.kind == "partner_voucher" else "in-house"
        )
        counts = rows[(partner, row.kind)]
        for index, name in enumerate(REWARD_FIGURES):
            counts[index] += int(getattr(row, name))
    return tuple(PartnerRow(p, k, *v) for (p, k), v in sorted(rows.items()))
