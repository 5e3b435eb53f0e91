"""What a programme report is: a period of local days and the figures for it (points, capture, partners)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from central.errors import BadRequest


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
            self.end is None or day <= self.end.isoformat()
        )

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
    """Points moved in the period and what customers and their pools hold at its end (the programme's liability).

    The outstanding points are the sum of customers' and pools' balances: a balance two offline tills overdrew
    counts below zero until its redemption, flagged for review, is settled. A pool's redemption is redeemed.
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


def check_stores(stores: frozenset[str] | None) -> None:
    """Refuse one device id given where a set of them is meant (it would be matched as a substring)."""
    if isinstance(stores, str):
        raise TypeError("stores is a set of device ids, not one id")
