"""Status LEDs (ready / ok / error) and the buzzer, through gpiozero, with one pattern per situation.

The pin factory is chosen by the caller: gpiozero's default on a Pi (lgpio first, which is what a Pi 5
needs; RPi.GPIO on older boards) and `MockFactory` in the emulated mode and in tests.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from gpiozero import LED, Buzzer

from hardware.config import HardwareConfig
from hardware.errors import HardwareError, InvalidDeviceCommand

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignalPattern:
    """One signal: which LED blinks how, and how the buzzer beeps (times in seconds, n repeats)."""

    led: str
    led_on: float
    led_off: float
    led_n: int | None
    beeps: int = 0
    beep_on: float = 0.0
    beep_off: float = 0.0


PATTERNS: dict[str, SignalPattern] = {
    "ready": SignalPattern("ready", 1.0, 0.0, None),  # steady on until another signal
    "success": SignalPattern("ok", 1.5, 0.0, 1, beeps=1, beep_on=0.08),
    "unknown_card": SignalPattern("error", 0.2, 0.2, 3, beeps=2, beep_on=0.08, beep_off=0.08),
    "error": SignalPattern("error", 2.0, 0.0, 1, beeps=1, beep_on=0.6),
}


class SignalLights:
    """The three LEDs and the buzzer; `signal(name)` plays a pattern without blocking the caller."""

    def __init__(self, config: HardwareConfig, pin_factory: object | None = None) -> None:
        self._lock = threading.Lock()
        self._devices: list = []
        try:
            self.leds = {
                "ready": self._own(LED(config.led_ready_pin, pin_factory=pin_factory)),
                "ok": self._own(LED(config.led_ok_pin, pin_factory=pin_factory)),
                "error": self._own(LED(config.led_error_pin, pin_factory=pin_factory)),
            }
            self.buzzer = self._own(Buzzer(config.buzzer_pin, pin_factory=pin_factory))
        except Exception as exc:  # gpiozero raises many kinds (BadPinFactory, GPIOPinInUse, PermissionError)
            self.close()
            raise HardwareError(
                f"cannot drive the LEDs and buzzer (pins {config.led_ready_pin}, {config.led_ok_pin}, "
                f"{config.led_error_pin}, {config.buzzer_pin}): {exc}. On a Pi 5 install python3-lgpio; "
                "the service user needs the 'gpio' group."
            ) from exc
        self.closed = False

    def _own(self, device):
        self._devices.append(device)
        return device

    def signal(self, name: str) -> None:
        """Play a pattern: "ready", "success", "unknown_card" or "error"."""
        pattern = PATTERNS.get(name)
        if pattern is None:
            raise InvalidDeviceCommand(f"unknown signal {name!r}; known: {', '.join(PATTERNS)}")
        with self._lock:
            if self.closed:
                return
            for key, led in self.leds.items():
                if key != "ready":
                    led.off()
            led = self.leds[pattern.led]
            if pattern.led_n is None:
                led.on()
            else:
                led.blink(pattern.led_on, pattern.led_off, n=pattern.led_n, background=True)
            if pattern.beeps:
                self.buzzer.beep(pattern.beep_on, pattern.beep_off or pattern.beep_on, n=pattern.beeps, background=True)

    def states(self) -> dict[str, bool]:
        """Which LEDs and the buzzer are on right now (the panel shows them)."""
        with self._lock:
            if self.closed:
                return {}
            states = {name: bool(led.value) for name, led in self.leds.items()}
            states["buzzer"] = bool(self.buzzer.value)
            return states

    def close(self) -> None:
        with self._lock:
            for device in self._devices:
                try:
                    device.close()
                except Exception:  # closing one pin must not keep the others open
                    log.warning("closing a signal pin failed", exc_info=True)
            self._devices = []
            self.closed = True

    def __enter__(self) -> SignalLights:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
