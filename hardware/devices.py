"""The one place that chooses real or emulated devices from the configuration.

Everything else receives what is chosen here: how to open the reader and the printer, how to make the
scanner, which gpiozero pin factory drives the LEDs and buzzer, and, in the emulated mode, the emulators.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from hardware.config import HardwareConfig
from hardware.emulators import EmulatorControls
from hardware.errors import ReaderError, ResetPinRefused
from hardware.events import EventSink, StatusBoard
from hardware.printer.link import SerialPrinterLink
from hardware.rfid.lookalikes import gpio_module, load_mfrc522
from hardware.rfid.reader import Mfrc522Link
from hardware.scanner import KeyboardWedgeScanner, SerialScanner, SerialScannerEmulator, _ScannerThread

log = logging.getLogger(__name__)

ScannerFactory = Callable[[EventSink, StatusBoard], _ScannerThread]


@dataclass(frozen=True)
class DeviceSet:
    """The devices chosen for this machine."""

    emulated: bool
    open_reader: Callable[[], Mfrc522Link]
    open_printer: Callable[[], SerialPrinterLink]
    make_scanner: ScannerFactory | None
    pin_factory: object | None
    emulators: EmulatorControls | None


def choose_devices(config: HardwareConfig, data_dir: Path, emulated: bool | None = None) -> DeviceSet:
    """Real devices when `hardware.mode = "pi"`, emulators otherwise (or as `emulated` forces)."""
    if emulated is None:
        emulated = config.mode == "emulated"
    if emulated:
        controls = EmulatorControls(config, Path(data_dir) / "emulated-devices")
        printer_port = str(controls.printer.port)
        scanner_port = str(controls.scanner.port)
        serial_scanner = isinstance(controls.scanner, SerialScannerEmulator)
        scanner_cls = SerialScanner if serial_scanner else KeyboardWedgeScanner
        return DeviceSet(
            emulated=True,
            open_reader=controls.reader.open_link,
            open_printer=lambda: SerialPrinterLink(printer_port, config.printer_baudrate),
            make_scanner=lambda emit, board: scanner_cls(scanner_port, emit, board),
            pin_factory=controls.pin_factory,
            emulators=controls,
        )
    make_scanner: ScannerFactory | None = None  # no scanner configured
    if config.scanner_port:
        make_scanner = partial(SerialScanner, config.scanner_port)
    elif config.scanner_keyboard:
        make_scanner = partial(KeyboardWedgeScanner, config.scanner_keyboard)
    return DeviceSet(
        emulated=False,
        open_reader=lambda: open_pi_reader(config),
        open_printer=lambda: SerialPrinterLink(config.printer_port, config.printer_baudrate),
        make_scanner=make_scanner,
        pin_factory=None,  # gpiozero's default: lgpio (Pi 5 and later), else RPi.GPIO
        emulators=None,
    )


_FALLBACK_SAID: set[bool] = set()  # {True} once this process has said it uses gpiozero for the reset pin


def open_pi_reader(config: HardwareConfig) -> Mfrc522Link:
    """The real MFRC522 on /dev/spidevB.D; the reset pin through RPi.GPIO, or gpiozero/lgpio on a Pi 5."""
    import spidev

    try:
        import RPi.GPIO as rpi_gpio

        package = load_mfrc522(rpi_gpio, spidev)
        return Mfrc522Link(package, config.reader_spi_bus, config.reader_spi_device, config.reader_reset_pin)
    except (RuntimeError, ImportError) as exc:  # RPi.GPIO missing, not a Pi, or cannot drive a Pi 5
        # Said once: with no reader this runs at every reopen (2 s), all day long.
        level = logging.DEBUG if _FALLBACK_SAID else logging.INFO
        _FALLBACK_SAID.add(True)
        log.log(level, "RPi.GPIO unusable (%s); driving the reader's reset pin through gpiozero", exc)
    except ResetPinRefused:  # RPi.GPIO imports on a Pi 5 but drives no pin: gpiozero (lgpio) below can
        pass
    try:
        from gpiozero import DigitalOutputDevice

        pin = DigitalOutputDevice(config.reader_reset_pin, initial_value=True)
    except Exception as exc:  # gpiozero raises several kinds when no pin library works here
        raise ReaderError(
            f"RFID reader: cannot drive reset pin {config.reader_reset_pin}: {exc}. Install "
            "python3-lgpio on a Pi 5; the service user needs the 'gpio' group."
        ) from None

    def drive(number: int, level: int) -> None:
        if number == config.reader_reset_pin:
            pin.value = level

    package = load_mfrc522(gpio_module(drive, release=pin.close), spidev)
    try:
        return Mfrc522Link(package, config.reader_spi_bus, config.reader_spi_device, config.reader_reset_pin)
    except ReaderError:
        pin.close()
        raise
