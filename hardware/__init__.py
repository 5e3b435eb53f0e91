"""Hardware layer: drivers for the reader, printer, LEDs/buzzer and scanner, with emulator twins.

`build_devices(config, data_dir, on_event)` is the entry point; it returns a `DeviceManager`.
"""

from hardware.events import DeviceEvent, DeviceStatus
from hardware.manager import DeviceManager, build_devices
from hardware.printer.receipt import Receipt, ReceiptLabels
from hardware.printer.worker import PrintJob

__all__ = ["DeviceEvent", "DeviceStatus", "DeviceManager", "build_devices", "Receipt", "ReceiptLabels", "PrintJob"]
