"""Points expiry: points not spent within `after_days` of the day they were earned expire, oldest first.

Expiry is an event (`PointsExpired`), so every balance stays a fold of the ledger. `notice` tells the
kiosk and the receipt how many points will expire within the notice period, and from which day.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from loyalty.domain.events import PointsExpired
from loyalty.domain.ledger import Ledger


@dataclass(frozen=True)
class ExpiryRule:
    """Points live `after_days` days after the day they were earned; customers are told `notice_days` ahead."""

    after_days: int = 365
    notice_days: int = 30

    def __post_init__(self) -> None:
        if self.after_days <= 0 or self.notice_days < 0:
            raise ValueError("points must live at least one day and the notice cannot be negative")

    def through_day(self, today: date) -> date:
        """The last earning day whose points have expired by `today`."""
        return today - timedelta(days=self.after_days)


@dataclass(frozen=True)
class ExpiryNotice:
    """Points that will expire within the notice period, and the first day some of them go."""

    points: int
    first_day: date | None


def expire(
    ledger: Ledger, customer_id: str, today: date, rule: ExpiryRule, *, device_id: str, at: str | None = None
) -> PointsExpired | None:
    """The expiry event due for this customer today, or None when nothing is due."""
    through = rule.through_day(today).isoformat()
    points = ledger.expirable(customer_id, through)
    if points <= 0:
        return None
    event = PointsExpired(device_id=device_id, customer_id=customer_id, points=points, through_day=through)
    return dataclasses.replace(event, at=at) if at else event


def notice(ledger: Ledger, customer_id: str, today: date, rule: ExpiryRule) -> ExpiryNotice:
    """What will expire between tomorrow and the end of the notice period (nothing already due counts)."""
    due_now = ledger.expirable(customer_id, rule.through_day(today).isoformat())
    first_day = None
    for ahead in range(1, rule.notice_days + 1):
        if ledger.expirable(customer_id, rule.through_day(today + timedelta(days=ahead)).isoformat()) > due_now:
            first_day = today + timedelta(days=ahead)
            break
    horizon = rule.through_day(today + timedelta(days=rule.notice_days)).isoformat()
    return ExpiryNotice(ledger.expirable(customer_id, horizon) - due_now, first_day)
