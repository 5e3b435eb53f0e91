"""Own earns central has folded, kept so their receipts stay refundable here, pool share included.

When a pull says central holds this device's events up to some seq, they leave the outbox; the earns among
them (with their refunds and what each gave a pool) stay here, at most `limit` of them, the oldest going
first, and the per-day earn totals of the last `KEPT_EARN_DAYS` days (daily caps only need today). They
are saved in the snapshot. Each costs about half a KB of memory: the limit bounds what a busy till holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from loyalty.domain.events import EarnReversed, Event, PointsEarned, PoolContributed, PoolContributionReversed
from loyalty.domain.ledger import EarnRecord, Ledger, PoolContribution

#: Own earns kept after central folded them, newest first out last, so refunds still find them.
KEPT_EARNS = 20_000
#: Days of own per-day earn totals kept after folding (daily caps only need today).
KEPT_EARN_DAYS = 7
_KEPT_KINDS = (PointsEarned, EarnReversed, PoolContributed, PoolContributionReversed)


class KeptEarns:
    """Folded own earns by event id and by receipt, their days, pool contributions and per-day totals."""

    def __init__(self, limit: int = KEPT_EARNS) -> None:
        self.limit = limit
        self._ledger = Ledger()
        #: One object per customer id and per day, however many earns name them.
        self._texts: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._ledger.earns)

    def __contains__(self, earn_event_id: str) -> bool:
        return earn_event_id in self._ledger.earns

    # -- reading -----------------------------------------------------------------------------------------

    def earn(self, earn_event_id: str) -> EarnRecord | None:
        """The kept earn itself (the caller copies it before handing it out)."""
        return self._ledger.earns.get(earn_event_id)

    def earn_id_for_receipt(self, receipt_ref: str) -> str | None:
        return self._ledger.earns_by_receipt.get(receipt_ref)

    def day_of(self, earn_event_id: str) -> str | None:
        return self._ledger.earn_days.get(earn_event_id)

    def pool_contribution(self, earn_event_id: str) -> PoolContribution | None:
        return self._ledger.pool_contributions.get(earn_event_id)

    def earned_on(self, customer_id: str, day: str) -> int:
        return self._ledger.earned_on(customer_id, day)

    def records(self) -> Iterable[tuple[EarnRecord, str, PoolContribution | None]]:
        """Each kept earn, oldest first, with its day ("" if unknown) and what it gave a pool."""
        days, given = self._ledger.earn_days, self._ledger.pool_contributions
        for record in self._ledger.earns.values():
            yield record, days.get(record.event_id, ""), given.get(record.event_id)

    def per_day(self) -> Iterable[tuple[str, str, int]]:
        """(customer id, day, points) of the per-day totals kept."""
        for (cid, day), points in self._ledger.earned_per_day.items():
            yield cid, day, points

    # -- changing ----------------------------------------------------------------------------------------

    def fold(self, events: Iterable[Event]) -> None:
        """Keep the earns, refunds and pool events among `events` (just folded at central), then prune."""
        ledger = self._ledger
        for event in events:
            if isinstance(event, _KEPT_KINDS):
                ledger.apply(event)
                if isinstance(event, PointsEarned):
                    self._share_texts(event.event_id)
        ledger.balances.clear()  # the pulled balances hold them now
        ledger.pool_balances.clear()
        ledger.lots.clear()
        ledger.debits.clear()
        ledger.seen.clear()
        self.prune()

    def add(self, record: EarnRecord, day: str | None, given: PoolContribution | None = None) -> None:
        """Keep one earn as saved or as central gave it; an earn already kept is left as it is."""
        ledger = self._ledger
        if record.event_id in ledger.earns:
            return
        ledger.earns[record.event_id] = record
        ledger.earns_by_receipt.setdefault(record.receipt_ref, record.event_id)
        if day:
            ledger.earn_days[record.event_id] = day
        if given is not None:
            ledger.pool_contributions[record.event_id] = given
        self._share_texts(record.event_id)

    def add_per_day(self, customer_id: str, day: str, points: int) -> None:
        key = self._texts.setdefault
        self._ledger.earned_per_day[(key(customer_id, customer_id), key(day, day))] = points

    def _share_texts(self, earn_event_id: str) -> None:
        ledger, key = self._ledger, self._texts.setdefault
        record = ledger.earns[earn_event_id]
        record.customer_id = key(record.customer_id, record.customer_id)
        day = ledger.earn_days.get(earn_event_id)
        if day is not None:
            ledger.earn_days[earn_event_id] = key(day, day)

    def prune(self) -> None:
        """Drop the oldest earns beyond the limit and the per-day totals older than the kept days."""
        ledger = self._ledger
        excess = len(ledger.earns) - self.limit
        if excess > 0:
            for event_id in list(ledger.earns)[:excess]:
                record = ledger.earns.pop(event_id)
                ledger.earn_days.pop(event_id, None)
                ledger.pool_contributions.pop(event_id, None)
                if ledger.earns_by_receipt.get(record.receipt_ref) == event_id:
                    del ledger.earns_by_receipt[record.receipt_ref]
        if ledger.earned_per_day:
            newest = max(day for _, day in ledger.earned_per_day)
            cutoff = _days_before(newest, KEPT_EARN_DAYS)
            for key in [k for k in ledger.earned_per_day if k[1] < cutoff]:
                del ledger.earned_per_day[key]
        if len(self._texts) > 4 * max(len(ledger.earns), 1_000):  # the table only shares: start it afresh
            self._texts = {}

    def copy_into(self, overlay: Ledger, earn_event_id: str) -> PoolContribution | None:
        """Seed `overlay` with a kept earn a pending refund reverses; returns what it gave a pool, if anything."""
        kept = self._ledger.earns.get(earn_event_id)
        if kept is None:
            return None
        overlay.earns[kept.event_id] = replace(kept)
        day = self._ledger.earn_days.get(kept.event_id)
        if day is not None:
            overlay.earn_days[kept.event_id] = day
        given = self._ledger.pool_contributions.get(kept.event_id)
        if given is not None and kept.event_id not in overlay.pool_contributions:
            overlay.pool_contributions[kept.event_id] = replace(given)
            return given
        return None


def _days_before(day: str, days: int) -> str:
    try:
        return (date.fromisoformat(day) - timedelta(days=days)).isoformat()
    except ValueError:
        return ""
