"""`spidev` and `RPi.GPIO` look-alike modules wired to emulated chips, and a loader for the `mfrc522` package.

The `mfrc522` package does `import RPi.GPIO` and `import spidev` at import time. `load_mfrc522()` runs
the package's own module source with the modules it is given in place of those two, and returns a private
copy: the emulated mode gets a package bound to the emulator, the Pi mode one bound to the real buses, and
neither touches `sys.modules` for the rest of the process.
"""

from __future__ import annotations

import errno
import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

from hardware.rfid.mfrc522_emulator import Mfrc522Emulator

_load_lock = threading.Lock()


class EmulatedSpiBus:
    """Which emulated chips sit on which (bus, chip-select), and which device nodes are missing or denied."""

    def __init__(self) -> None:
        self.chips: dict[tuple[int, int], Mfrc522Emulator] = {}
        self.denied: set[tuple[int, int]] = set()

    def attach(self, bus: int, device: int, chip: Mfrc522Emulator) -> None:
        self.chips[(bus, device)] = chip

    def detach(self, bus: int, device: int) -> None:
        self.chips.pop((bus, device), None)

    def spidev_module(self) -> types.ModuleType:
        """A module that behaves like `spidev` (`SpiDev().open(bus, device)`, `xfer2`, `close`)."""
        bus_map = self
        module = types.ModuleType("spidev")

        class SpiDev:
            """Look-alike of spidev.SpiDev on an emulated bus; errors are the OSErrors the kernel gives."""

            def __init__(self, bus: int | None = None, device: int | None = None) -> None:
                self._chip: Mfrc522Emulator | None = None
                self.max_speed_hz = 500000
                self.mode = 0
                self.bits_per_word = 8
                if bus is not None and device is not None:
                    self.open(bus, device)

            def open(self, bus: int, device: int) -> None:
                path = f"/dev/spidev{bus}.{device}"
                if (bus, device) in bus_map.denied:
                    raise PermissionError(errno.EACCES, "Permission denied", path)
                chip = bus_map.chips.get((bus, device))
                if chip is None:
                    raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
                self._chip = chip

            def _device(self) -> Mfrc522Emulator:
                if self._chip is None:
                    raise OSError(errno.EBADF, "Bad file descriptor")
                return self._chip

            def xfer2(self, data: list[int]) -> list[int]:
                return self._device().transfer(list(data))

            xfer = xfer2

            def writebytes(self, data: list[int]) -> None:
                self._device().transfer(list(data))

            def close(self) -> None:
                self._chip = None

        vars(module).update(SpiDev=SpiDev)
        return module


class EmulatedGpio:
    """Pin levels of an emulated board; listeners see output changes (the chip's reset pin)."""

    def __init__(self) -> None:
        self.levels: dict[int, int] = {}
        self.listeners: dict[int, Callable[[int], None]] = {}

    def connect(self, pin: int, listener: Callable[[int], None]) -> None:
        self.listeners[pin] = listener

    def set_level(self, pin: int, level: int) -> None:
        self.levels[pin] = level
        listener = self.listeners.get(pin)
        if listener is not None:
            listener(level)

    def module(self) -> types.ModuleType:
        """A module that behaves like `RPi.GPIO` for what the mfrc522 package uses."""
        return gpio_module(self.set_level)


def gpio_module(drive: Callable[[int, int], None], release: Callable[[], None] | None = None) -> types.ModuleType:
    """An `RPi.GPIO`-like module whose outputs call `drive(pin, level)`; used emulated and on the Pi 5."""
    module = types.ModuleType("RPi.GPIO")
    state: dict[str, int | None] = {"mode": None}
    vars(module).update(BOARD=10, BCM=11, OUT=0, IN=1, HIGH=1, LOW=0)

    def getmode() -> int | None:
        return state["mode"]

    def setmode(mode: int) -> None:
        state["mode"] = mode

    def setwarnings(flag: bool) -> None:
        return None

    def setup(pin: int, direction: int, initial: int = -1, pull_up_down: int = 0) -> None:
        if direction == module.OUT and initial in (0, 1):
            drive(pin, initial)

    def output(pin: int, level: int) -> None:
        drive(pin, 1 if level else 0)

    def cleanup(*pins: int) -> None:
        state["mode"] = None
        if release is not None:
            release()

    for function in (getmode, setmode, setwarnings, setup, output, cleanup):
        setattr(module, function.__name__, function)
    return module


def load_mfrc522(gpio: types.ModuleType, spidev: types.ModuleType) -> types.ModuleType:
    """A private copy of `mfrc522.MFRC522` whose `RPi.GPIO` and `spidev` are the modules given."""
    spec = importlib.util.find_spec("mfrc522")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the mfrc522 package is not installed")
    source = Path(next(iter(spec.submodule_search_locations))) / "MFRC522.py"
    module_spec = importlib.util.spec_from_file_location("hardware.rfid._mfrc522_bound", source)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module = importlib.util.module_from_spec(module_spec)
    rpi = types.ModuleType("RPi")
    vars(rpi).update(GPIO=gpio)
    replaced = {"RPi": rpi, "RPi.GPIO": gpio, "spidev": spidev}
    with _load_lock:
        saved = {name: sys.modules.get(name) for name in replaced}
        sys.modules.update(replaced)
        try:
            module_spec.loader.exec_module(module)
        finally:
            for name, previous in saved.items():
                if previous is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = previous
    return module
