"""What `kiosk test-reader` and `kiosk test-printer` need: the test page, and the devices opened directly.

When the service runs it owns the devices and the commands go through its local API (`web/ops.py`); when it
is stopped they open the devices here, holding the data directory's lock so the service cannot start meanwhile.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from device.config import Config
from device.service_lock import ServiceLock
from loyalty import __version__

#: Print job states after which nothing more happens without a technician.
FINAL_JOB_STATES = frozenset({"printed", "held", "expired", "discarded"})


def test_page(config: Config):
    """A short receipt naming the device and the time, so the technician sees the printer works."""
    from hardware import Receipt

    now = time.strftime("%Y-%m-%d %H:%M:%S")
    return Receipt.for_shop(
        config.shop,
        receipt_id=f"test-page-{uuid.uuid4()}",
        title="Test page",
        printed_at=now,
        lines=(
            ("Device", config.device.id),
            ("Software", __version__),
            ("Port", config.hardware.printer_port),
            ("Baud", str(config.hardware.printer_baudrate)),
        ),
        footer="If you can read this, the printer works.",
    )


@contextmanager
def devices_opened(config: Config, on_event: Callable[[object], None]) -> Iterator[object]:
    """The devices of `config`, started, while the service is stopped (ServiceBusy if it runs)."""
    from hardware import build_devices

    with ServiceLock(config.data_dir).acquire(holder="device test"):
        devices = build_devices(config.hardware, config.data_dir, on_event)
        try:
            devices.start()
            yield devices
        finally:
            devices.close()


def settled_states(devices, timeout_s: float = 3.0) -> dict[str, str]:
    """Each device's state once none says "starting" any more (or after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        states = {name: status.state for name, status in devices.status().items()}
        if "starting" not in states.values() or time.monotonic() >= deadline:
            return states
        time.sleep(0.05)


def wait_for_job(devices, job_id: str, timeout_s: float = 30.0) -> tuple[str, str]:
    """(state, reason) of a print job once it is final, or its state when `timeout_s` runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        record = next((j for j in devices.jobs() if j.job_id == job_id), None)
        state, reason = (record.state, record.reason) if record else ("unknown", "")
        if state in FINAL_JOB_STATES or time.monotonic() >= deadline:
            return state, reason
        time.sleep(0.05)
