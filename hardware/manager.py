"""The device manager: starts every device, restarts a failed driver, reports statuses, never dies.

The service gets one object: `status()`, `print(job)`, `signal(pattern)` and, emulated, `emulators`.
Each device runs in its own thread (reader loop, print worker, scanner) and reconnects on its own when
its device disappears and comes back; the manager's supervisor thread restarts a driver whose thread
ended and replaces a reader stuck in a chip call. Events reach `on_event` from these threads, through a
guard that logs whatever the callback raises.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from hardware.config import HardwareConfig
from hardware.devices import DeviceSet, choose_devices
from hardware.errors import HardwareError, InvalidDeviceCommand, PrinterError
from hardware.events import ABSENT, ERROR, OK, DeviceStatus, EventSink, StatusBoard, safe_sink
from hardware.printer.journal import JobJournal, JobRecord
from hardware.printer.receipt import Receipt, render_receipt
from hardware.printer.worker import PrinterSettings, PrintJob, PrintWorker
from hardware.rfid.reader import ReaderSettings, RfidReader
from hardware.signals import SignalLights

log = logging.getLogger(__name__)

SIGNALS = "signals"


class DeviceManager:
    """All the kiosk's devices behind one object; a context manager, `close()` is idempotent."""

    def __init__(
        self,
        config: HardwareConfig,
        data_dir: Path,
        on_event: EventSink,
        *,
        emulated: bool | None = None,
        reader_settings: ReaderSettings = ReaderSettings(),
        printer_settings: PrinterSettings | None = None,
        supervise_interval_s: float = 1.0,
        stuck_after_s: float = 5.0,
    ) -> None:
        self.config = config
        self.data_dir = Path(data_dir)
        self._emit = safe_sink(on_event)
        self.board = StatusBoard(self._emit)
        self.devices: DeviceSet = choose_devices(config, self.data_dir, emulated)
        self.emulators = self.devices.emulators
        self._reader_settings = reader_settings
        self.reader = self._new_reader()
        settings = printer_settings or PrinterSettings(max_age_s=float(config.printer_job_max_age_s))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.printer = PrintWorker(
            self.devices.open_printer, JobJournal(self.data_dir / "print-jobs.jsonl"), self.board, self._emit, settings
        )
        self.scanner = self.devices.make_scanner(self._emit, self.board) if self.devices.make_scanner else None
        self.lights: SignalLights | None = None
        self._lights_tried = 0.0
        self.lights_retry_s = 10.0
        self.supervise_interval_s = supervise_interval_s
        self.stuck_after_s = stuck_after_s
        self.restarts = 0
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._started = False
        self.heartbeat = time.monotonic()  # stamped by the supervisor at each round
        self.turns = 0  # the supervisor's rounds so far, as a driver thread's `turns`

    def supervising(self, within_s: float) -> bool:
        """True while the supervisor thread lives and made a round within `within_s` (not deadlocked)."""
        return (
            self._supervisor is not None
            and self._supervisor.is_alive()
            and time.monotonic() - self.heartbeat < within_s
        )

    def _new_reader(self) -> RfidReader:
        return RfidReader(self.devices.open_reader, self._emit, self.board, self._reader_settings)

    # -- life cycle ----------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        if self._started or self.closed:
            return
        self._started = True
        self._open_lights()
        self.reader.start()
        self.printer.start()
        if self.scanner is not None:
            self.scanner.start()
        else:
            self.board.set("scanner", ABSENT, "no scanner configured (hardware.scanner_port or scanner_keyboard)")
        self._supervisor = threading.Thread(target=self._supervise, name="device-manager", daemon=True)
        self._supervisor.start()
        self.signal("ready")

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for device in (self.reader, self.printer, self.scanner, self.lights):
            if device is not None:
                try:
                    device.close()
                except Exception:  # closing one device must not leave the others open
                    log.exception("closing %s failed", type(device).__name__)
        if self.emulators is not None:
            self.emulators.close()

    def __enter__(self) -> DeviceManager:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_lights(self) -> None:
        self._lights_tried = time.monotonic()
        try:
            self.lights = SignalLights(self.config, pin_factory=self.devices.pin_factory)
        except HardwareError as exc:
            self.board.set(SIGNALS, ABSENT, str(exc))
            return
        if self.emulators is not None:
            self.emulators.lights = self.lights
        self.board.set(SIGNALS, OK, "")

    def _supervise(self) -> None:
        while not self._stop.wait(self.supervise_interval_s):
            self.heartbeat = time.monotonic()
            self.turns += 1
            try:
                self._check_drivers()
            except Exception:  # the supervisor is the last line: it must never stop
                log.exception("device supervision failed")

    def _check_drivers(self) -> None:
        if self.lights is None and time.monotonic() - self._lights_tried > self.lights_retry_s:
            self._open_lights()  # the pins may have been busy at boot
        for driver in (self.reader, self.printer, self.scanner):
            if driver is not None and not driver.closed and not driver.alive:
                log.error("%s thread ended; restarting it", type(driver).__name__)
                self.restarts += 1
                driver.start()
        if time.monotonic() - self.reader.heartbeat > self.stuck_after_s and self.reader.alive:
            log.error("RFID reader stuck in a chip call for %.0f s; starting a fresh reader", self.stuck_after_s)
            self.board.set("reader", ERROR, "the RFID reader stopped responding; restarting it")
            stuck, self.reader = self.reader, self._new_reader()
            stuck.abandon()
            self.restarts += 1
            self.reader.start()

    # -- what the service uses -------------------------------------------------------------------------
    def status(self) -> dict[str, DeviceStatus]:
        return self.board.snapshot()

    def print(self, job: Receipt | PrintJob) -> str:
        """Queue a receipt (or ready bytes); returns the job id. Resubmitting the same id prints nothing more."""
        if self.closed:
            raise PrinterError("the devices are shut down; the receipt was not queued")
        if isinstance(job, Receipt):
            return self.printer.submit(job.receipt_id, render_receipt(job, columns=self.config.printer_columns))
        if isinstance(job, PrintJob):
            return self.printer.submit(job.job_id, job.data)
        raise InvalidDeviceCommand(f"cannot print a {type(job).__name__}")

    def jobs(self) -> list[JobRecord]:
        return self.printer.jobs()

    def reprint(self, job_id: str) -> None:
        self.printer.reprint(job_id)

    def discard(self, job_id: str) -> None:
        self.printer.discard(job_id)

    def signal(self, pattern: str) -> None:
        """LEDs and buzzer: "ready", "success", "unknown_card" or "error"; silent if they are missing."""
        if self.lights is None:
            from hardware.signals import PATTERNS

            if pattern not in PATTERNS:
                raise InvalidDeviceCommand(f"unknown signal {pattern!r}")
            return
        self.lights.signal(pattern)


def build_devices(
    config: HardwareConfig, data_dir: Path, on_event: EventSink, emulated: bool | None = None, **options: Any
) -> DeviceManager:
    """The kiosk's devices, real or emulated as the configuration (or `emulated`) says, not yet started."""
    return DeviceManager(config, data_dir, on_event, emulated=emulated, **options)
