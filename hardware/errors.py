"""The hardware's errors: a device that is missing, not answering or given a malformed command.

Their root is `HardwareError`, apart from the rest of the product's errors so `hardware` stands alone; the
service, the web UI and the `kiosk` command report them beside their own (web/errors.py, kiosk/cli.py).
"""


class HardwareError(Exception):
    """A device did not answer or could not be opened."""


class ReaderError(HardwareError):
    """The RFID reader is missing, not permitted or not answering."""


class ResetPinRefused(ReaderError):
    """The GPIO library refused the reader's reset pin (RPi.GPIO on a Pi 5): another pin library may drive it."""


class PrinterError(HardwareError):
    """The receipt printer is missing, offline, out of paper or has its cover open."""


class PrinterOffline(PrinterError):
    """The receipt printer is unplugged, switched off or not answering on its serial port."""


class PaperOut(PrinterError):
    """The receipt printer has no paper, or its cover is open."""


class UnknownPrintJob(PrinterError):
    """No print job has this id, or it cannot be reprinted in its current state."""


class InvalidDeviceCommand(HardwareError):
    """A device command was malformed (a card UID that is not hexadecimal, an empty QR payload...)."""
