"""The in-process event bus: device threads and the service publish, web pages subscribe (via SSE).

A slow subscriber never blocks a publisher: its queue is bounded and the oldest message is dropped.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One published message; `id` increases by one per message on this bus."""

    id: int
    kind: str
    data: dict = field(default_factory=dict)


class Subscription:
    """A bounded queue of messages for one listener; close it (or use `with`) when done."""

    def __init__(self, bus: EventBus, maxsize: int):
        self._bus = bus
        self._queue: queue.Queue[Message] = queue.Queue(maxsize)
        self.dropped = 0

    def _offer(self, message: Message) -> None:
        while True:
            try:
                self._queue.put_nowait(message)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message, or None after `timeout` seconds without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def messages(self, timeout: float) -> Iterator[Message | None]:
        """Messages as they come; yields None every `timeout` seconds of silence (for keep-alives)."""
        while True:
            yield self.get(timeout)

    def close(self) -> None:
        self._bus._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Publish/subscribe between threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []
        self._ids = itertools.count(1)

    def subscribe(self, maxsize: int = 256) -> Subscription:
        subscription = Subscription(self, maxsize)
        with self._lock:
            self._subscribers.append(subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)

    def publish(self, kind: str, data: dict | None = None) -> Message:
        with self._lock:
            message = Message(next(self._ids), kind, data or {})
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription._offer(message)
        return message

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)
