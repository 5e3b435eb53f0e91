"""`kiosk test-reader`: card taps and QR scans shown live, through the service or from the reader directly."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

import click

from device.config import Config


def describe(kind: str, data: dict) -> str | None:
    """One line for a technician, or None for what the test does not show."""
    if kind == "card_tapped":
        return f"card tapped:  UID {data.get('uid')}"
    if kind == "card_removed":
        return f"card removed: UID {data.get('uid')}"
    if kind == "qr_scanned":
        return f"QR scanned:   {data.get('payload')}"
    if kind == "status_changed":
        return f"{data.get('device')}: {data.get('state')}" + (f" ({data['detail']})" if data.get("detail") else "")
    if kind == "devices":
        return "devices: " + ", ".join(f"{name} {state}" for name, state in sorted(data.items()))
    return None


def follow_taps(
    config: Config,
    taps: int | None = None,
    seconds: float | None = None,
    echo: Callable[[str], None] = click.echo,
    on_ready: Callable[[object], None] | None = None,
) -> int:
    """Show device events until Ctrl-C, `taps` taps or `seconds`; returns the number of taps seen.

    `on_ready(devices)` is called once the reader is opened here (service stopped), e.g. to present an
    emulated card.
    """
    from kiosk.status_report import service_running

    deadline = time.monotonic() + seconds if seconds is not None else None
    counter = _TapCounter(taps, deadline, echo)
    try:
        if service_running(config):
            _through_service(config, counter)
        else:
            _direct(config, counter, on_ready)
    except KeyboardInterrupt:
        pass
    echo(f"stopped: {counter.taps} tap(s) seen")
    return counter.taps


class _TapCounter:
    def __init__(self, taps: int | None, deadline: float | None, echo: Callable[[str], None]) -> None:
        self.limit, self.deadline, self.echo, self.taps = taps, deadline, echo, 0

    def show(self, kind: str, data: dict) -> bool:
        """Echo one event; True when the test should end."""
        line = describe(kind, data)
        if line:
            self.echo(line)
        if kind == "card_tapped":
            self.taps += 1
        return self.done()

    def done(self) -> bool:
        return (self.limit is not None and self.taps >= self.limit) or (
            self.deadline is not None and time.monotonic() >= self.deadline
        )


def _through_service(config: Config, counter: _TapCounter) -> None:
    from kiosk.local_api import ServiceClient

    counter.echo("following the running service's reader; tap a card (Ctrl-C to stop)")
    for kind, data in ServiceClient(config).events():
        if counter.show(kind, data):
            return


def _direct(config: Config, counter: _TapCounter, on_ready: Callable[[object], None] | None) -> None:
    from device.device_tests import devices_opened, settled_states

    events: queue.Queue = queue.Queue()
    with devices_opened(config, events.put) as devices:
        counter.echo("devices: " + ", ".join(f"{n} {s}" for n, s in sorted(settled_states(devices).items())))
        while not events.empty():  # the start-up state changes are summed up by the line above
            events.get_nowait()
        counter.echo("reader opened here (the service is stopped); tap a card (Ctrl-C to stop)")
        if on_ready is not None:
            on_ready(devices)
        while not counter.done():
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            data = {"uid": event.uid, "payload": event.payload, "device": event.device, "detail": event.detail}
            if event.status is not None:
                data["state"] = event.status.state
            if counter.show(event.kind, data):
                return
