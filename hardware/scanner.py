"""QR / barcode scanners delivering each scanned payload as a QR_SCANNED event, and their emulators.

Two wire protocols: a serial scanner (pyserial; one payload per line, CR or LF) and a USB keyboard-wedge
scanner read from its evdev node (`struct input_event` records, grabbed so its keys never reach the
screen; US key map, Enter ends a payload). Each emulator speaks the same bytes: a pty for the serial one,
a FIFO of input_event records for the wedge.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import select
import struct
import time
import tty
from collections.abc import Callable
from pathlib import Path

import serial

from hardware.driver_thread import DriverThread
from hardware.errors import InvalidDeviceCommand
from hardware.events import ABSENT, OK, QR_SCANNED, DeviceEvent, EventSink, StatusBoard

log = logging.getLogger(__name__)

DEVICE = "scanner"
MAX_PAYLOAD = 2048


def input_event_layout(word_bits: int = struct.calcsize("P") * 8) -> struct.Struct:
    """Linux's struct input_event: a timeval of two C longs, then type, code, value.

    24 bytes where a long is 64 bits (arm64, amd64), 16 on 32-bit Raspberry Pi OS (armhf): read with the
    wrong one, every key of a scan is garbage.
    """
    return struct.Struct("=qqHHi" if word_bits == 64 else "=llHHi")


EVENT = input_event_layout()  # this machine's
EV_SYN, EV_KEY = 0, 1
KEY_ENTER, KEY_KPENTER, KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 28, 96, 42, 54
EVIOCGRAB = 0x40044590

_ROWS = {2: "1234567890-=", 16: "qwertyuiop[]", 30: "asdfghjkl;'`", 43: "\\zxcvbnm,./"}
_SHIFTED_ROWS = {2: "!@#$%^&*()_+", 16: "QWERTYUIOP{}", 30: 'ASDFGHJKL:"~', 43: "|ZXCVBNM<>?"}
KEYMAP: dict[int, str] = {57: " "}
SHIFT_KEYMAP: dict[int, str] = {57: " "}
for _start, _chars in _ROWS.items():
    for _i, _char in enumerate(_chars):
        KEYMAP[_start + _i] = _char
        SHIFT_KEYMAP[_start + _i] = _SHIFTED_ROWS[_start][_i]
CHAR_TO_KEY: dict[str, tuple[int, bool]] = {c: (k, False) for k, c in KEYMAP.items()}
CHAR_TO_KEY.update({c: (k, True) for k, c in SHIFT_KEYMAP.items() if c not in CHAR_TO_KEY})


class PayloadAssembler:
    """Collects characters until a line end; hands back whole payloads, drops runaway ones."""

    def __init__(self, deliver: Callable[[str], None]) -> None:
        self._deliver = deliver
        self._chars: list[str] = []
        self._overflow = False

    def add(self, text: str) -> None:
        for char in text:
            if char in "\r\n":
                payload = "".join(self._chars).strip()
                if payload and not self._overflow:
                    self._deliver(payload)
                elif self._overflow:
                    log.warning("scanner payload longer than %d characters dropped", MAX_PAYLOAD)
                self._chars, self._overflow = [], False
            elif len(self._chars) >= MAX_PAYLOAD:
                self._overflow = True
            elif char.isprintable():
                self._chars.append(char)


class _ScannerThread(DriverThread):
    """Common life cycle: a thread that opens the device, reads it, and reopens it when it goes away."""

    device = DEVICE
    thread_name = "qr-scanner"
    join_timeout_s = 3.0
    reopen_interval_s = 1.0

    def __init__(self, path: str, emit: EventSink, board: StatusBoard) -> None:
        super().__init__(board)
        self.path = path
        self._emit = emit
        self._assembler = PayloadAssembler(self._deliver)

    def _deliver(self, payload: str) -> None:
        log.info("scanner read a payload of %d characters", len(payload))
        self._emit(DeviceEvent(QR_SCANNED, DEVICE, payload=payload))

    def _starting_detail(self) -> str:
        return f"opening the scanner on {self.path}"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except OSError as exc:
                self._board.set(DEVICE, ABSENT, f"scanner on {self.path} not available: {exc.strerror or exc}")
            except Exception:  # a broken read must not end the scanner thread
                log.exception("scanner loop failed")
                self._board.set(DEVICE, ABSENT, f"scanner on {self.path} failed; retrying")
            self._stop.wait(self.reopen_interval_s)

    def _session(self) -> None:
        raise NotImplementedError


class SerialScanner(_ScannerThread):
    """A scanner on a serial port (USB CDC or UART) sending one payload per line."""

    def __init__(self, path: str, emit: EventSink, board: StatusBoard, baudrate: int = 9600) -> None:
        super().__init__(path, emit, board)
        self.baudrate = baudrate

    def _session(self) -> None:
        try:
            port = serial.Serial(self.path, self.baudrate, timeout=0.2)
        except serial.SerialException as exc:
            raise OSError(errno.ENODEV, str(exc)) from exc
        self._board.set(DEVICE, OK, "")
        try:
            while not self._stop.is_set():
                try:
                    data = port.read(256)
                except (serial.SerialException, OSError) as exc:
                    raise OSError(errno.EIO, "the scanner went away") from exc
                if data:
                    self._assembler.add(data.decode("utf-8", "replace"))
        finally:
            port.close()


class KeyboardWedgeScanner(_ScannerThread):
    """A USB keyboard-wedge scanner read from its evdev node and grabbed so it types nowhere else."""

    event = EVENT  # the input_event layout of this machine's kernel

    def _session(self) -> None:
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            try:
                fcntl.ioctl(fd, EVIOCGRAB, 1)
            except OSError as exc:
                if exc.errno not in (errno.ENOTTY, errno.EINVAL):
                    raise
            self._board.set(DEVICE, OK, "")
            shift = False
            pending = b""
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                try:
                    chunk = os.read(fd, self.event.size * 64)
                except BlockingIOError:
                    continue
                if not chunk:
                    if not os.path.exists(self.path):
                        raise OSError(errno.ENODEV, "the scanner was unplugged")
                    time.sleep(0.05)
                    continue
                pending += chunk
                usable = len(pending) - len(pending) % self.event.size
                for offset in range(0, usable, self.event.size):
                    _s, _us, kind, code, value = self.event.unpack_from(pending, offset)
                    if kind != EV_KEY:
                        continue
                    if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
                        shift = value != 0
                    elif value == 1:
                        if code in (KEY_ENTER, KEY_KPENTER):
                            self._assembler.add("\n")
                        else:
                            char = (SHIFT_KEYMAP if shift else KEYMAP).get(code)
                            if char:
                                self._assembler.add(char)
                pending = pending[usable:]
        finally:
            os.close(fd)


def key_events(payload: str, event: struct.Struct = EVENT) -> bytes:
    """The input_event records a US-layout keyboard wedge sends for a payload and Enter."""
    records = []

    def key(code: int, value: int) -> None:
        now = time.time()
        records.append(event.pack(int(now), int(now % 1 * 1e6), EV_KEY, code, value))
        records.append(event.pack(int(now), int(now % 1 * 1e6), EV_SYN, 0, 0))

    for char in payload:
        if char not in CHAR_TO_KEY:
            raise InvalidDeviceCommand(f"a keyboard-wedge scanner cannot type {char!r}")
        code, shifted = CHAR_TO_KEY[char]
        if shifted:
            key(KEY_LEFTSHIFT, 1)
        key(code, 1)
        key(code, 0)
        if shifted:
            key(KEY_LEFTSHIFT, 0)
    key(KEY_ENTER, 1)
    key(KEY_ENTER, 0)
    return b"".join(records)


class SerialScannerEmulator:
    """A serial scanner on the far end of a pty pair, reached through a stable symlink."""

    def __init__(self, port: Path) -> None:
        self.port = Path(port)
        self._fds: tuple[int, int] | None = None

    def plug(self) -> None:
        if self._fds:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        self._fds = (master, slave)
        tmp = self.port.with_name(self.port.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.port)

    def unplug(self) -> None:
        if not self._fds:
            return
        self.port.unlink(missing_ok=True)
        for fd in self._fds:
            os.close(fd)
        self._fds = None

    start, close = plug, unplug

    def scan(self, payload: str) -> None:
        if not self._fds:
            raise InvalidDeviceCommand("the emulated scanner is unplugged")
        os.write(self._fds[0], payload.encode("utf-8") + b"\r\n")


class WedgeScannerEmulator:
    """A keyboard-wedge scanner: a FIFO at `path` carrying the input_event records of each scan."""

    def __init__(self, path: Path, event: struct.Struct = EVENT) -> None:
        self.port = Path(path)
        self.event = event
        self._fd: int | None = None

    def plug(self) -> None:
        if self._fd is not None:
            return
        self.port.unlink(missing_ok=True)
        os.mkfifo(self.port, 0o600)
        self._fd = os.open(self.port, os.O_RDWR | os.O_NONBLOCK)

    def unplug(self) -> None:
        if self._fd is None:
            return
        self.port.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    start, close = plug, unplug

    def scan(self, payload: str) -> None:
        if self._fd is None:
            raise InvalidDeviceCommand("the emulated scanner is unplugged")
        os.write(self._fd, key_events(payload, self.event))
