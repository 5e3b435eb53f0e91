"""What the hardware layer tells the service: device events and device statuses, delivered safely."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CARD_TAPPED = "card_tapped"
CARD_REMOVED = "card_removed"
QR_SCANNED = "qr_scanned"
STATUS_CHANGED = "status_changed"
PRINT_JOB = "print_job"

# The small set of named device states.
OK = "ok"
STARTING = "starting"
ABSENT = "absent"
ERROR = "error"
OFFLINE = "offline"
PAPER_OUT = "paper_out"
PAPER_LOW = "paper_low"
COVER_OPEN = "cover_open"
CLOSED = "closed"
STATES = frozenset({OK, STARTING, ABSENT, ERROR, OFFLINE, PAPER_OUT, PAPER_LOW, COVER_OPEN, CLOSED})


@dataclass(frozen=True)
class DeviceStatus:
    """One device's state (one of STATES) and a sentence for the technician."""

    state: str
    detail: str = ""
    since: float = field(default_factory=time.time)

    @property
    def usable(self) -> bool:
        return self.state in (OK, PAPER_LOW)


@dataclass(frozen=True)
class DeviceEvent:
    """Something a device reports: a card tapped or removed (uid hex upper-case), a QR scanned (payload),
    a status change (status), a print job moving on (payload = job id, detail = its new state)."""

    kind: str
    device: str
    uid: str | None = None
    payload: str | None = None
    status: DeviceStatus | None = None
    detail: str = ""
    at: float = field(default_factory=time.time)


EventSink = Callable[[DeviceEvent], None]


def safe_sink(on_event: EventSink) -> EventSink:
    """Wrap the service's callback so that nothing it raises can stop a device loop."""

    def deliver(event: DeviceEvent) -> None:
        try:
            on_event(event)
        except Exception:  # the callback belongs to the service; our loops must outlive its failures
            log.exception("event handler failed on %s event from %s", event.kind, event.device)

    return deliver


class StatusBoard:
    """Current status of every device; a change is announced once as a STATUS_CHANGED event."""

    def __init__(self, emit: EventSink) -> None:
        self._emit = emit
        self._lock = threading.Lock()
        self._statuses: dict[str, DeviceStatus] = {}

    def set(self, device: str, state: str, detail: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown device state {state!r}")
        with self._lock:
            current = self._statuses.get(device)
            if current is not None and current.state == state and current.detail == detail:
                return
            status = DeviceStatus(state, detail)
            self._statuses[device] = status
        if current is None or current.state != state:
            log.info("device %s is now %s", device, state)
        self._emit(DeviceEvent(STATUS_CHANGED, device, status=status))

    def get(self, device: str) -> DeviceStatus | None:
        with self._lock:
            return self._statuses.get(device)

    def snapshot(self) -> dict[str, DeviceStatus]:
        with self._lock:
            return dict(self._statuses)
