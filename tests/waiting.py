"""Waiting in tests for what another thread or process does, on a condition with a deadline, never a fixed time.

A test that sleeps a guessed time is slow when the guess is long and flaky when the machine is busy; these
wait exactly as long as the thing takes, and fail with a message when it never happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], within_s: float = 10.0, *, every_s: float = 0.02, what: str | Callable[[], object] = ""
) -> T:
    """The first truthy value of `condition()`, asked every `every_s`; AssertionError after `within_s`.

    For state nothing signals (another process's answers, a file): where a thread can signal, use `Signal`.
    `what` (text, or a function giving it) says in the failure what was awaited.
    """
    deadline = time.monotonic() + within_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {within_s} s{': ' if said else ''}{said}")
        time.sleep(every_s)  # the one polling pause of the tests: nothing signals this state


class Signal:
    """A condition other threads announce changes to: `wait_for` wakes at each `changed()`, not on a timer."""

    def __init__(self) -> None:
        self._condition = threading.Condition()

    def changed(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def wait_for(
        self, condition: Callable[[], T], within_s: float = 5.0, *, what: str | Callable[[], object] = ""
    ) -> T:
        """The first truthy value of `condition()`, asked again at each `changed()`; AssertionError after
        `within_s`. A state that changes without a `changed()` is still seen within a tenth of a second."""
        deadline = time.monotonic() + within_s
        with self._condition:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    said = what() if callable(what) else what
                    raise AssertionError(f"not within {within_s} s{': ' if said else ''}{said}")
                self._condition.wait(min(left, 0.1))
