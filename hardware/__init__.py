"""Hardware layer: drivers for the reader, printer, LEDs/buzzer and scanner, with emulator twins.

`build_devices(config, data_dir, on_event)` is the entry point; it returns a `DeviceManager`. The names below
are imported on first use, so `hardware.config` and `hardware.errors` load no driver (nor python-escpos).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardware.events import DeviceEvent, DeviceStatus
    from hardware.manager import DeviceManager, build_devices
    from hardware.printer.receipt import Receipt, ReceiptLabels
    from hardware.printer.worker import PrintJob

_WHERE = {
    "DeviceEvent": "hardware.events",
    "DeviceStatus": "hardware.events",
    "DeviceManager": "hardware.manager",
    "build_devices": "hardware.manager",
    "Receipt": "hardware.printer.receipt",
    "ReceiptLabels": "hardware.printer.receipt",
    "PrintJob": "hardware.printer.worker",
}
__all__ = ["DeviceEvent", "DeviceManager", "DeviceStatus", "PrintJob", "Receipt", "ReceiptLabels", "build_devices"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'hardware' has no attribute {name!r}")
