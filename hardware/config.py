"""The hardware's own settings: which devices to drive, where they are wired, and what a receipt says.

The device's configuration file holds them as its `[hardware]` and `[shop]` tables (`device.config` reads and
checks them); a program using `hardware` alone builds them directly, like any frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class HardwareConfig:
    """Which devices to drive, and where they are wired (BCM pin numbers)."""

    mode: Literal["pi", "emulated"] = "pi"
    reader_spi_bus: int = 0
    reader_spi_device: int = 0
    reader_reset_pin: int = 25
    printer_port: str = "/dev/serial0"
    printer_baudrate: int = 9600
    led_ready_pin: int = 17
    led_ok_pin: int = 27
    led_error_pin: int = 22
    buzzer_pin: int = 18
    scanner_port: str = ""
    scanner_keyboard: str = ""
    printer_columns: int = 42
    printer_job_max_age_s: int = 600


@dataclass(frozen=True)
class ShopConfig:
    """What the receipt header and footer say."""

    name: str = "Ma Boutique"
    address: tuple[str, ...] = ()
    footer: str = "Merci de votre visite !"
