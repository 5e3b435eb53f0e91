"""Shared fixtures for the hardware tests: an event recorder that can wait for what a thread reports."""

from __future__ import annotations

import threading

import pytest

from hardware.events import DeviceEvent, StatusBoard
from tests.waiting import Signal


class EventRecorder:
    """Collects DeviceEvents from device threads; `wait_for` wakes at each event until a condition holds."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._lock = threading.Lock()
        self._signal = Signal()

    def __call__(self, event: DeviceEvent) -> None:
        with self._lock:
            self.events.append(event)
        self._signal.changed()

    def of(self, *kinds: str) -> list[DeviceEvent]:
        with self._lock:
            return [e for e in self.events if e.kind in kinds]

    def wait_for(self, condition, timeout: float = 5.0) -> None:
        self._signal.wait_for(condition, timeout, what=lambda: f"events: {self.events}")


def wait_turns(driver, turns: int = 3, timeout: float = 5.0) -> None:
    """Wait until a device thread's loop went round `turns` more times: what it was to do by then, it did."""
    from tests.waiting import wait_until

    start = driver.turns
    wait_until(
        lambda: driver.turns >= start + turns,
        timeout,
        every_s=0.005,
        what=f"{type(driver).__name__} loop stuck at turn {driver.turns}",
    )


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def board(recorder: EventRecorder) -> StatusBoard:
    return StatusBoard(recorder)
