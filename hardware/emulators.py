"""The emulated devices of one kiosk and the controls the virtual hardware panel (and tests) act on."""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from gpiozero.pins.mock import MockFactory, MockPin

from hardware.config import HardwareConfig
from hardware.errors import InvalidDeviceCommand
from hardware.printer.escpos_emulator import PrintedReceipt, PrinterEmulator
from hardware.rfid.emulated import EmulatedReaderBoard
from hardware.scanner import SerialScannerEmulator, WedgeScannerEmulator
from hardware.signals import SignalLights

log = logging.getLogger(__name__)

#: Level changes an emulated LED or buzzer pin remembers (gpiozero's MockPin keeps every one, for tests).
KEEP_PIN_STATES = 64


class EmulatedPin(MockPin):
    """gpiozero's mock pin remembering only its latest level changes: a tap changes several pins, and a
    demo or a soak running for days must not keep every blink."""

    def clear_states(self) -> None:
        super().clear_states()
        self.states: deque[object] = deque(self.states, maxlen=KEEP_PIN_STATES)


def normalise_uid(uid: str) -> str:
    """A typed card UID as upper-case hex without separators; InvalidDeviceCommand if it is not one."""
    cleaned = "".join(ch for ch in str(uid) if ch not in " :-").upper()
    if not cleaned or any(ch not in "0123456789ABCDEF" for ch in cleaned):
        raise InvalidDeviceCommand(f"card UID {uid!r} is not hexadecimal")
    if len(cleaned) not in (8, 14):
        raise InvalidDeviceCommand("a card UID has 8 hex digits (MIFARE Classic) or 14 (NTAG21x)")
    return cleaned


class EmulatorControls:
    """Every emulated device of the kiosk: RFID field, printer, scanner, LED/buzzer pins."""

    def __init__(self, config: HardwareConfig, device_dir: Path) -> None:
        device_dir.mkdir(parents=True, exist_ok=True)
        self.reader = EmulatedReaderBoard(config.reader_spi_bus, config.reader_spi_device, config.reader_reset_pin)
        self.printer = PrinterEmulator(device_dir / "ttyPRINTER", columns=config.printer_columns)
        if config.scanner_keyboard or not config.scanner_port:
            self.scanner: SerialScannerEmulator | WedgeScannerEmulator = WedgeScannerEmulator(
                device_dir / "scanner-event-kbd"
            )
        else:
            self.scanner = SerialScannerEmulator(device_dir / "ttySCANNER")
        self.pin_factory = MockFactory(pin_class=EmulatedPin)
        self.lights: SignalLights | None = None
        self.printer.plug()
        self.scanner.plug()

    # -- RFID --------------------------------------------------------------------------------------
    def present_card(self, uid: str) -> str:
        """Lay a card on the reader (replacing any card there); returns its UID as the reader reports it."""
        cleaned = normalise_uid(uid)
        self.reader.present(cleaned)
        return cleaned

    def remove_card(self) -> None:
        self.reader.remove()

    def card_on_reader(self) -> str | None:
        cards = self.reader.chip.cards
        return cards[0].uid_hex if cards else None

    # -- scanner -----------------------------------------------------------------------------------
    def scan_qr(self, payload: str) -> None:
        """Show a phone's QR code to the scanner."""
        payload = str(payload).strip()
        if not payload:
            raise InvalidDeviceCommand("the QR code to scan is empty")
        if len(payload) > 1000 or any(ch in payload for ch in "\r\n"):
            raise InvalidDeviceCommand("a QR payload is one line of at most 1000 characters")
        self.scanner.scan(payload)

    # -- printer -----------------------------------------------------------------------------------
    def paper_out(self) -> None:
        self.printer.paper_out()

    def paper_back(self) -> None:
        self.printer.paper_back()

    def unplug_printer(self) -> None:
        self.printer.unplug()

    def replug_printer(self) -> None:
        self.printer.plug()

    def receipts(self) -> list[PrintedReceipt]:
        return self.printer.receipts

    def receipt_texts(self) -> list[str]:
        return [r.text for r in self.receipts()]

    # -- everything, for the panel -----------------------------------------------------------------
    def state(self) -> dict:
        printer = self.printer.printer
        return {
            "card": self.card_on_reader(),
            "printer": {
                "plugged": self.printer.plugged,
                "paper_out": printer.paper_out,
                "cover_open": printer.cover_open,
            },
            "lights": self.lights.states() if self.lights is not None else {},
        }

    def close(self) -> None:
        self.printer.unplug()
        self.scanner.unplug()
