"""An in-memory device store with the same sync-facing API as `kiosk.store` (for the worker tests)."""

from __future__ import annotations

import dataclasses
import threading

from kiosk.domain.events import EarnReversed, Event, PointsEarned, PointsRedeemed
from kiosk.domain.snapshot import CustomerState, PulledBatch


class MemoryStore:
    """Own events with sequence numbers, an outbox of unacknowledged ones, and the pulled cache."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.cursor = 0
        self.seq_through = 0
        self._lock = threading.Lock()
        self._journal: list[Event] = []
        self._outbox: dict[str, Event] = {}
        self.customers: dict[str, CustomerState] = {}
        self.cards: dict[str, tuple[str, bool]] = {}
        self.applied_batches = 0

    def record(self, event: Event) -> Event:
        with self._lock:
            event = dataclasses.replace(event, device_id=self.device_id, seq=len(self._journal) + 1)
            self._journal.append(event)
            self._outbox[event.event_id] = event
            return event

    def pending(self, limit: int | None = None) -> list[Event]:
        with self._lock:
            events = sorted(self._outbox.values(), key=lambda e: e.seq)
        return events[:limit] if limit is not None else events

    def pending_count(self) -> int:
        with self._lock:
            return len(self._outbox)

    def acknowledge(self, event_ids) -> int:
        with self._lock:
            return sum(self._outbox.pop(i, None) is not None for i in event_ids)

    def apply_batch(self, batch: PulledBatch) -> None:
        with self._lock:
            for c in batch.customers:
                self.customers[c.customer_id] = c
            for card in batch.cards:
                self.cards[card.card_uid] = (card.customer_id, card.blocked)
            for cid in batch.erased:
                self.customers.pop(cid, None)
                for event_id, event in list(self._outbox.items()):
                    if getattr(event, "customer_id", None) == cid:
                        del self._outbox[event_id]
            self.cursor = batch.cursor
            if batch.device_seq_through is not None:
                self.seq_through = max(self.seq_through, batch.device_seq_through)
            self.applied_batches += 1

    def balance(self, customer_id: str) -> int:
        """Pulled balance plus this device's events central has not folded in yet."""
        with self._lock:
            base = self.customers[customer_id].points if customer_id in self.customers else 0
            for e in self._journal:
                if e.seq > self.seq_through and getattr(e, "customer_id", None) == customer_id:
                    if isinstance(e, PointsEarned):
                        base += e.points
                    elif isinstance(e, (PointsRedeemed, EarnReversed)):
                        base -= e.points
            return base
