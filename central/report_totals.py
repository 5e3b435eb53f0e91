"""Report totals kept at ingest: per local day, device and cashier, what the back office's reports add up.

Folding the whole ledger for every report page costs seconds per hundred thousand events, and a chain
records over a million a day. So each push adds what its new events moved to small rows that a report
only sums: points earned, taken back, redeemed and expired, the change in what customers and their pools
hold, earn operations and registrations (`report_day_totals`); redemptions and vouchers per reward
(`report_reward_days`); and who earned or redeemed on which day and device (`report_active_days`).

The figures are central's own fold (the one that gives customers their balances), in the order the
events happened; `central.backoffice.reports.compute_report` is the same arithmetic over the full ledger,
and the tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from central.schema import report_active_days, report_day_totals, report_reward_days
from central.sql import insert_for, insert_new_rows
from loyalty.domain.events import (
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsEarned,
    PointsExpired,
    PointsRedeemed,
    PoolRedeemed,
    VoucherIssued,
)
from loyalty.domain.ledger import Ledger

#: The cashier id a report shows for operations no cashier made (the kiosk, central's expiry run).
NO_CASHIER = "-"
#: The key columns' width: longer ids (refused at push since this table exists) are cut to it.
KEY_WIDTH = 64
DAY_FIGURES = (
    "points_earned",
    "points_reversed",
    "points_redeemed",
    "points_expired",
    "balance_change",
    "earn_operations",
    "customers_registered",
)
REWARD_FIGURES = ("redemptions", "quantity", "points", "vouchers_issued", "face_value_cents")


@dataclass
class ReportTally:
    """What a run of events adds to the report totals, counted as a `Ledger` folds them."""

    days: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    rewards: dict[tuple[str, str, str, str, str], list[int]] = field(default_factory=dict)
    active: set[tuple[str, str, str]] = field(default_factory=set)

    def fold(self, ledger: Ledger, events: Iterable[Event]) -> None:
        """Apply each event to `ledger` and count what it moved (an event already applied counts nothing)."""
        for event in events:
            before = ledger.points_held_by(event)
            if not ledger.apply(event):
                continue
            self._count(event, before, ledger.points_held_by(event))

    def _count(self, event: Event, before: int, after: int) -> None:
        day, device, cashier = event.day, event.device_id[:KEY_WIDTH], (event.cashier_id or NO_CASHIER)[:KEY_WIDTH]
        row = self.days.setdefault((day, device, cashier), [0] * len(DAY_FIGURES))
        row[4] += after - before
        if isinstance(event, PointsEarned):
            row[0] += event.points
            row[5] += 1
            self.active.add((day, device, event.customer_id[:KEY_WIDTH]))
        elif isinstance(event, CustomerRegistered):
            row[6] += 1
        elif isinstance(event, EarnReversed):
            row[1] += before - after
        elif isinstance(event, PointsExpired):
            row[3] += before - after
        elif isinstance(event, (PointsRedeemed, PoolRedeemed)):  # a pool's points are spent like a customer's
            row[2] += event.points
            self.active.add((day, device, event.customer_id[:KEY_WIDTH]))
            reward = self.rewards.setdefault(
                (day, device, event.reward_kind, event.reward_id[:KEY_WIDTH], ""), [0] * len(REWARD_FIGURES)
            )
            reward[0] += 1
            reward[1] += event.quantity
            reward[2] += event.points
        elif isinstance(event, VoucherIssued):
            reward = self.rewards.setdefault(
                (day, device, "partner_voucher", "", event.partner[:KEY_WIDTH]), [0] * len(REWARD_FIGURES)
            )
            reward[3] += 1
            reward[4] += event.face_value_cents

    def day_rows(self) -> list[dict[str, object]]:
        return [
            {"day": d, "device_id": dev, "cashier_id": c, **dict(zip(DAY_FIGURES, v, strict=True))}
            for (d, dev, c), v in sorted(self.days.items())
        ]

    def reward_rows(self) -> list[dict[str, object]]:
        return [
            {
                "day": d,
                "device_id": dev,
                "kind": k,
                "reward_id": r,
                "partner": p,
                **dict(zip(REWARD_FIGURES, v, strict=True)),
            }
            for (d, dev, k, r, p), v in sorted(self.rewards.items())
        ]

    def active_rows(self) -> list[dict[str, object]]:
        return [{"day": d, "device_id": dev, "customer_id": c} for d, dev, c in sorted(self.active)]


def add_to_totals(connection: Connection, tally: ReportTally) -> None:
    """Add a tally to the stored totals inside the caller's transaction.

    Rows are upserted in key order, so two instances adding to the same days lock them in one order.
    """
    for table, rows, figures in (
        (report_day_totals, tally.day_rows(), DAY_FIGURES),
        (report_reward_days, tally.reward_rows(), REWARD_FIGURES),
    ):
        if rows:
            statement = insert_for(connection, table)
            keys = [c.name for c in table.primary_key.columns]
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=keys, set_={name: table.c[name] + statement.excluded[name] for name in figures}
                ),
                rows,
            )
    insert_new_rows(connection, report_active_days, tally.active_rows())
