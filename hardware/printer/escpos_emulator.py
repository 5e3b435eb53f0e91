"""A thermal receipt printer emulator: parses ESC/POS, keeps what it printed, answers DLE EOT status.

`EscPosPrinter` is the printer's logic (byte stream in, status answers out, printed receipts kept).
`PrinterEmulator` puts it on the far end of a pty pair reached through a stable symlink, as a USB-serial
printer appears under /dev; it can be unplugged (the node disappears), run out of paper (after a number
of lines, or at once), have its cover opened, and be given paper again.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty
from dataclasses import dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)

DLE, EOT, ESC, GS, LF = 0x10, 0x04, 0x1B, 0x1D, 0x0A
CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
}
# ESC commands that take a fixed number of parameter bytes.
_ESC_PARAMS = {
    ord(c): n
    for c, n in {
        "@": 0,
        "t": 1,
        "E": 1,
        "-": 1,
        "a": 1,
        "!": 1,
        "d": 1,
        "J": 1,
        "M": 1,
        "G": 1,
        "V": 1,
        "{": 1,
        "2": 0,
        "3": 1,
        "r": 1,
        "R": 1,
        "p": 3,
        " ": 1,
        "$": 2,
        "e": 1,
        "U": 1,
        "S": 0,
        "L": 0,
        "c": 2,
        "=": 1,
        "%": 1,
    }.items()
}
_GS_PARAMS = {
    ord(c): n
    for c, n in {
        "!": 1,
        "B": 1,
        "h": 1,
        "w": 1,
        "H": 1,
        "f": 1,
        "a": 1,
        "I": 1,
        "r": 1,
        "L": 2,
        "W": 2,
        "b": 1,
    }.items()
}


@dataclass(frozen=True)
class PrintedReceipt:
    """One stretch of paper: its plain-text rendering, the bytes that made it, its QR codes, how it ended."""

    text: str
    data: bytes
    qr_codes: tuple[str, ...] = ()
    images: int = 0
    complete: bool = True


@dataclass
class _Style:
    bold: bool = False
    underline: bool = False
    align: int = 0
    width: int = 1
    height: int = 1
    invert: bool = False
    code_page: int = 0


@dataclass
class _Page:
    lines: list[str] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    qr_codes: list[str] = field(default_factory=list)
    images: int = 0


#: The emulator keeps the latest receipts only, like a paper roll: a demo or soak running for days stays bounded.
KEEP_RECEIPTS = 500


class EscPosPrinter:
    """The printer's mechanism and firmware: feed bytes, get the status answers to send back."""

    def __init__(self, columns: int = 42) -> None:
        self.columns = columns
        self.receipts: list[PrintedReceipt] = []
        self.printed = 0  # receipts ever printed (the list keeps the latest KEEP_RECEIPTS)
        self.paper_out = False
        self.paper_near_end = False
        self.cover_open = False
        self.paper_lines_left: int | None = None
        self.dropped_bytes = 0
        self.unknown_commands = 0
        self._buffer = bytearray()
        self._style = _Style()
        self._line: list[str] = []
        self._page = _Page()
        self._qr_data = b""
        self._lock = threading.RLock()

    @property
    def online(self) -> bool:
        return not (self.paper_out or self.cover_open)

    # -- status (what DLE EOT n answers, Epson ESC/POS reference) ----------------------------------
    def status_byte(self, n: int) -> int:
        base = 0x12
        if n == 1:
            return base | (0x08 if not self.online else 0)
        if n == 2:
            return base | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        if n == 3:
            return base
        if n == 4:
            return base | (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)
        return base

    # -- paper ---------------------------------------------------------------------------------------
    def run_out_of_paper(self) -> None:
        with self._lock:
            self.paper_out = True
            self._tear_off()

    def load_paper(self, lines: int | None = None) -> None:
        """New roll; with `lines`, it runs out after that many printed lines."""
        with self._lock:
            self.paper_out = False
            self.paper_near_end = False
            self.paper_lines_left = lines

    def _advance(self) -> None:
        if self.paper_lines_left is None:
            return
        self.paper_lines_left -= 1
        self.paper_near_end = self.paper_lines_left < 20
        if self.paper_lines_left <= 0:
            self.paper_out = True
            self._tear_off()

    def _tear_off(self) -> None:
        """Paper ran out or the cover opened mid-receipt: what was printed stays, marked incomplete."""
        self._end_line(force=False)
        if self._page.lines or self._page.qr_codes:
            self._finish(complete=False)

    # -- byte stream ---------------------------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Take bytes from the line; return the real-time answers to send back."""
        answers = bytearray()
        with self._lock:
            self._buffer.extend(data)
            pos = 0
            while pos < len(self._buffer):
                page, online, printed = self._page, self.online, self.printed
                used = self._command(pos, answers)
                if used is None:
                    break
                chunk = bytes(self._buffer[pos : pos + used])
                if not online:
                    self.dropped_bytes += used
                elif self._buffer[pos] != DLE:
                    page.data.extend(chunk)
                    if self.printed > printed:  # this command ended the page (a cut)
                        self.receipts[-1] = replace(self.receipts[-1], data=bytes(page.data))
                pos += used
            del self._buffer[:pos]
        return bytes(answers)

    def _command(self, pos: int, answers: bytearray) -> int | None:
        """Execute the command at `pos`; return its length, or None when more bytes are needed."""
        buf = self._buffer
        have = len(buf) - pos
        b = buf[pos]
        if b == DLE:
            if have < 3:
                return None
            if buf[pos + 1] == EOT:
                answers.append(self.status_byte(buf[pos + 2]))
                return 3
            if buf[pos + 1] == 0x14:  # DLE DC4 fn m t
                return 5 if have >= 5 else None
            return 3
        if b == ESC:
            if have < 2:
                return None
            c = buf[pos + 1]
            n = _ESC_PARAMS.get(c)
            if n is None:
                self.unknown_commands += 1
                return 2
            if have < 2 + n:
                return None
            if self.online:
                self._esc(c, buf[pos + 2 : pos + 2 + n])
            return 2 + n
        if b == GS:
            return self._gs(pos, have)
        if self.online:
            self._char(b)
        return 1

    def _esc(self, c: int, params: bytes | bytearray) -> None:
        s = self._style
        value = params[0] if params else 0
        if c == ord("@"):
            self._style = _Style()
        elif c == ord("t"):
            s.code_page = value
        elif c == ord("E"):
            s.bold = bool(value & 1)
        elif c == ord("-"):
            s.underline = bool(value & 3)
        elif c == ord("a"):
            s.align = value % 48 if value >= 48 else value
        elif c == ord("!"):
            s.bold = bool(value & 0x08)
            s.height = 2 if value & 0x10 else 1
            s.width = 2 if value & 0x20 else 1
        elif c == ord("d"):
            self._end_line(force=True)
            for _ in range(value):
                self._blank_line()

    def _gs(self, pos: int, have: int) -> int | None:
        buf = self._buffer
        if have < 2:
            return None
        c = buf[pos + 1]
        if c == ord("V"):
            if have < 3:
                return None
            m = buf[pos + 2]
            length = 3 if m in (0, 1, 48, 49) else 4
            if have < length:
                return None
            if self.online:
                self._cut()
            return length
        if c == ord("("):
            if have < 5:
                return None
            size = buf[pos + 3] | (buf[pos + 4] << 8)
            if have < 5 + size:
                return None
            if self.online:
                self._function(buf[pos + 2], bytes(buf[pos + 5 : pos + 5 + size]))
            return 5 + size
        if c == ord("v"):  # GS v 0 m xL xH yL yH: raster image
            if have < 8:
                return None
            width = buf[pos + 4] | (buf[pos + 5] << 8)
            height = buf[pos + 6] | (buf[pos + 7] << 8)
            length = 8 + width * height
            if have < length:
                return None
            if self.online:
                self._end_line(force=False)
                self._page.images += 1
                self._page.lines.append(f"[image {width * 8}x{height} dots]")
                for _ in range(max(1, height // 24)):
                    self._advance()
            return length
        n = _GS_PARAMS.get(c)
        if n is None:
            self.unknown_commands += 1
            return 2
        if have < 2 + n:
            return None
        if self.online:
            value = buf[pos + 2]
            if c == ord("!"):
                self._style.width = (value >> 4) + 1
                self._style.height = (value & 0x0F) + 1
            elif c == ord("B"):
                self._style.invert = bool(value & 1)
        return 2 + n

    def _function(self, kind: int, body: bytes) -> None:
        """GS ( k: 2D codes (QR model, size, error level, store data, print)."""
        if kind != ord("k") or len(body) < 2 or body[0] != ord("1"):
            return
        fn = body[1]
        if fn == ord("P"):
            self._qr_data = body[3:]
        elif fn == ord("Q"):
            self._end_line(force=False)
            text = self._qr_data.decode("utf-8", "replace")
            self._page.qr_codes.append(text)
            self._page.lines.append(self._aligned(f"[QR {text}]"))
            for _ in range(8):
                self._advance()

    def _char(self, b: int) -> None:
        if b == LF:
            self._end_line(force=True)
        elif b == 0x09:
            self._line.append("    ")
        elif b >= 0x20:
            encoding = CODE_PAGES.get(self._style.code_page, "cp437")
            char = bytes((b,)).decode(encoding, "replace")
            self._line.append(char if self._style.width == 1 else char + " " * (self._style.width - 1))

    def _aligned(self, text: str) -> str:
        align = self._style.align
        if align == 1:
            return text.center(self.columns).rstrip()
        if align == 2:
            return text.rjust(self.columns)
        return text

    def _end_line(self, force: bool) -> None:
        if self._line or force:
            text = "".join(self._line)
            if self._style.invert:
                text = f"[{text}]"
            self._page.lines.append(self._aligned(text))
            self._line = []
            self._advance()

    def _blank_line(self) -> None:
        self._page.lines.append("")
        self._advance()

    def _cut(self) -> None:
        self._end_line(force=False)
        self._finish(complete=True)

    def _finish(self, complete: bool) -> None:
        page, self._page = self._page, _Page()
        while page.lines and not page.lines[-1]:
            page.lines.pop()
        self.receipts.append(
            PrintedReceipt("\n".join(page.lines), bytes(page.data), tuple(page.qr_codes), page.images, complete)
        )
        self.printed += 1
        del self.receipts[:-KEEP_RECEIPTS]


class PrinterEmulator:
    """An EscPosPrinter on the far end of a pty pair, reached through `port` (a symlink like /dev/ttyUSB0)."""

    def __init__(self, port: Path, columns: int = 42) -> None:
        self.port = Path(port)
        self.printer = EscPosPrinter(columns)
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plugged = False

    @property
    def receipts(self) -> list[PrintedReceipt]:
        with self.printer._lock:
            return list(self.printer.receipts)

    def plug(self) -> None:
        """Connect the printer: a new pty pair appears behind `port`."""
        if self.plugged:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        tmp = self.port.with_name(self.port.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.port)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="printer-emulator", daemon=True)
        self._thread.start()
        self.plugged = True

    def unplug(self) -> None:
        """Pull the cable: the port disappears and the driver's open file stops working."""
        if not self.plugged:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.port.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        self.plugged = False

    start = plug
    close = unplug

    def paper_out(self) -> None:
        self.printer.run_out_of_paper()

    def paper_back(self, lines: int | None = None) -> None:
        self.printer.load_paper(lines)

    def set_cover_open(self, is_open: bool) -> None:
        with self.printer._lock:
            self.printer.cover_open = is_open
            if is_open:
                self.printer._tear_off()

    def _serve(self) -> None:
        master = self._master
        if master is None:
            return
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                self._stop.wait(0.05)
                continue
            answers = self.printer.feed(data)
            if answers:
                try:
                    os.write(master, answers)
                except OSError:
                    log.warning("printer emulator could not answer a status request")
