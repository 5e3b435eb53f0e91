"""Shared fixtures for the hardware tests: an event recorder that can wait for what a thread reports."""

from __future__ import annotations

import threading
import time

import pytest

from hardware.events import DeviceEvent, StatusBoard


class EventRecorder:
    """Collects DeviceEvents from device threads; `wait_for` polls until a condition holds."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: DeviceEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, *kinds: str) -> list[DeviceEvent]:
        with self._lock:
            return [e for e in self.events if e.kind in kinds]

    def wait_for(self, condition, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.01)
        raise AssertionError(f"condition not met within {timeout}s; events: {self.events}")


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def board(recorder: EventRecorder) -> StatusBoard:
    return StatusBoard(recorder)
