"""Serial transport to an ESC/POS printer (pyserial): open, write, real-time status (DLE EOT), close.

Library errors are wrapped here, at the transport boundary, into PrinterOffline / PaperOut.
"""

from __future__ import annotations

import logging
import termios
from dataclasses import dataclass

import serial

from hardware.errors import PrinterOffline

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"


@dataclass(frozen=True)
class PrinterState:
    """What the printer's real-time status bytes say."""

    online: bool
    cover_open: bool
    paper_out: bool
    paper_near_end: bool

    @property
    def ready(self) -> bool:
        return self.online and not self.cover_open and not self.paper_out

    def reason(self) -> str:
        if self.cover_open:
            return "the printer cover is open"
        if self.paper_out:
            return "the printer is out of paper"
        if not self.online:
            return "the printer is offline"
        return ""

    @classmethod
    def from_bytes(cls, printer: int, offline_cause: int, roll: int) -> PrinterState:
        """Decode DLE EOT 1, 2 and 4 answers (Epson ESC/POS: fixed bits 0x12 must be set, 0x81 clear)."""
        for byte in (printer, offline_cause, roll):
            if byte & 0x93 != 0x12:
                raise PrinterOffline(f"the printer answered a status byte that makes no sense ({byte:#04x})")
        return cls(
            online=not printer & 0x08,
            cover_open=bool(offline_cause & 0x04),
            paper_out=bool(offline_cause & 0x20 or roll & 0x60),
            paper_near_end=bool(roll & 0x0C),
        )


class SerialPrinterLink:
    """One open serial connection to the printer."""

    def __init__(self, port: str, baudrate: int = 9600, answer_timeout_s: float = 0.5) -> None:
        self.port = port
        self.baudrate = baudrate
        try:
            self._serial = serial.Serial(port, baudrate, timeout=answer_timeout_s, write_timeout=5)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterOffline(f"cannot open the printer port {port}: {_why(exc)}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except (serial.SerialException, OSError, termios.error) as exc:
            raise PrinterOffline(f"the printer on {self.port} stopped accepting data: {_why(exc)}") from exc

    def query(self, n: int) -> int:
        """Send DLE EOT n and return the one status byte the printer answers."""
        try:
            self._serial.reset_input_buffer()
            self._serial.write(DLE_EOT + bytes((n,)))
            answer = self._serial.read(1)
        except (serial.SerialException, OSError, termios.error) as exc:
            raise PrinterOffline(f"the printer on {self.port} stopped answering: {_why(exc)}") from exc
        if not answer:
            raise PrinterOffline(f"the printer on {self.port} does not answer (switched off?)")
        return answer[0]

    def state(self) -> PrinterState:
        return PrinterState.from_bytes(self.query(1), self.query(2), self.query(4))

    def close(self) -> None:
        try:
            self._serial.close()
        except (serial.SerialException, OSError, termios.error):
            log.debug("closing the printer port failed", exc_info=True)


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "No such file" in text or "could not open port" in text and "2]" in text:
        return "no such device (is the printer plugged in and hardware.printer_port right?)"
    if "Permission denied" in text:
        return "permission denied (add the service user to the 'dialout' group)"
    return text or exc.__class__.__name__
