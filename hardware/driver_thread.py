"""The life cycle every device driver shares: one thread of its own, started once, stopped once."""

from __future__ import annotations

import threading
import time

from hardware.events import CLOSED, STARTING, StatusBoard


class DriverThread:
    """Runs `_run` in a daemon thread; `close()` is idempotent and reports the device closed.

    Subclasses set `device` and `thread_name`, implement `_run` (looping until `_stop` is set), and may
    override `_starting_detail`, `_before_join` and `_after_join`.
    """

    device = ""
    thread_name = ""
    join_timeout_s = 5.0

    def __init__(self, board: StatusBoard) -> None:
        self._board = board
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.heartbeat = time.monotonic()  # stamped by `_run` at each turn of its loop
        #: Turns of the loop so far: what happened by the next turn can be waited for without guessing a time.
        self.turns = 0

    def _turn(self) -> None:
        """Called by `_run` at the top of each turn of its loop."""
        self.heartbeat = time.monotonic()
        self.turns += 1

    def making_progress(self, within_s: float) -> bool:
        """True while the thread lives AND its loop turned within `within_s`: a deadlocked thread is alive."""
        return self.alive and time.monotonic() - self.heartbeat < within_s

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        if self.alive or self.closed:
            return
        self._board.set(self.device, STARTING, self._starting_detail())
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._before_join()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.join_timeout_s)
        self._after_join()
        self._board.set(self.device, CLOSED, "")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:  # pragma: no cover - every driver overrides it
        raise NotImplementedError

    def _starting_detail(self) -> str:
        return ""

    def _before_join(self) -> None:
        """Wake the thread if it sleeps on something other than `_stop`."""

    def _after_join(self) -> None:
        """Release what the thread held, once it has ended (or was given up on)."""
