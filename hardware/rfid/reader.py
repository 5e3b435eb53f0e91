"""The RFID poll loop on the `mfrc522` package's low-level calls: one tap = one event, removal, recovery.

Each poll wakes every card in the field (WUPA, which also wakes a card we halted), runs anticollision and
SELECT at cascade level 1 and, for 7-byte UIDs, level 2, then HALTs the card so the next poll sees it again.
A card is reported once when it arrives and once when it has been absent for `absent_polls` polls in a row
(a shorter gap is a bounce of the same tap). Every chip call has a deadline; a chip that stops answering
or answers garbage puts the reader in "error" and is re-initialised (reset pin, then the package's
MFRC522_Init) every `reinit_interval_s` until it answers again. All of it runs in the reader's own thread.
"""

from __future__ import annotations

import logging
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hardware.driver_thread import DriverThread
from hardware.errors import ReaderError, ResetPinRefused
from hardware.events import ABSENT, CARD_REMOVED, CARD_TAPPED, ERROR, OK, DeviceEvent, EventSink, StatusBoard

T = TypeVar("T")

log = logging.getLogger(__name__)

DEVICE = "reader"
KNOWN_VERSIONS = frozenset({0x88, 0x90, 0x91, 0x92, 0x12, 0xB2})
SEL_CL2 = 0x95
PICC_HALT = 0x50
BCM = 11


class ChipDeadline(Exception):
    """A chip call ran past its deadline (internal: the loop turns it into an error status)."""


class ChipFault(Exception):
    """The chip answered something it cannot have said (internal: the loop re-initialises it)."""


@dataclass(frozen=True)
class ReaderSettings:
    """Timing of the poll loop."""

    poll_interval_s: float = 0.05
    absent_polls: int = 3
    call_deadline_s: float = 0.5
    reinit_interval_s: float = 0.5
    reopen_interval_s: float = 2.0


class NoAnswer(Exception):
    """The chip's timer ran out with nothing received: no card answered (internal)."""


_WRITE_COMMAND = 0x01 << 1
_WRITE_BITFRAMING = 0x0D << 1
_READ_COMIRQ = (0x04 << 1) | 0x80
_MFAUTHENT, _START_SEND, _TIMER_IRQ, _RX_OR_IDLE_IRQ = 0x0E, 0x80, 0x01, 0x30


class DeadlineSpi:
    """The package's SpiDev with a deadline on every transfer and an early end when no card answers.

    The package's MFRC522_ToCard never looks at the timer interrupt (its `~` tests are always true), so
    with no card in the field it reads ComIrqReg 2000 times; on a Pi that is tens of milliseconds of
    busy CPU per poll. Once a transceive or authentication has started, a ComIrqReg value with TimerIRq
    set and neither RxIRq nor IdleIRq means the chip gave up waiting: NoAnswer ends the call there.
    """

    def __init__(self, inner: Any) -> None:  # the mfrc522 package's SpiDev: the package has no types
        self.inner = inner
        self.deadline: float | None = None
        self._armed = False

    def xfer2(self, data: list[int]) -> list[int]:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ChipDeadline("reader chip call ran past its deadline")
        answer = self.inner.xfer2(data)
        if len(data) == 2:
            if data[0] == _WRITE_BITFRAMING:
                self._armed = bool(data[1] & _START_SEND)
            elif data[0] == _WRITE_COMMAND:
                self._armed = data[1] & 0x0F == _MFAUTHENT
            elif data[0] == _READ_COMIRQ and self._armed:
                irq = answer[1]
                if irq & _TIMER_IRQ and not irq & _RX_OR_IDLE_IRQ:
                    self._armed = False
                    raise NoAnswer("no card answered before the chip's timer ran out")
        return answer

    xfer = xfer2

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class Mfrc522Link:
    """The package's MFRC522 object on one SPI device, with a deadline on every call and a hard reset."""

    def __init__(
        self, package: types.ModuleType, bus: int, device: int, reset_pin: int, settle_s: float = 0.005
    ) -> None:
        self.package = package
        self.bus, self.device, self.reset_pin = bus, device, reset_pin
        self.settle_s = settle_s
        self.chip = self._construct()
        self.spi = DeadlineSpi(self.chip.spi)
        self.chip.spi = self.spi

    def _construct(self) -> Any:  # the package's MFRC522 object: the package has no types
        path = f"/dev/spidev{self.bus}.{self.device}"
        logger = logging.getLogger("mfrc522Logger")
        before = list(logger.handlers)
        try:
            return self.package.MFRC522(bus=self.bus, device=self.device, pin_mode=BCM, pin_rst=self.reset_pin)
        except FileNotFoundError:
            raise ReaderError(
                f"RFID reader: {path} does not exist. Turn SPI on (sudo raspi-config → Interface Options → "
                "SPI, or dtparam=spi=on in /boot/firmware/config.txt), reboot, and check "
                "hardware.reader_spi_bus / reader_spi_device."
            ) from None
        except PermissionError:
            raise ReaderError(
                f"RFID reader: permission denied on {path} or on the GPIO pins. Add the service user to "
                "the 'spi' and 'gpio' groups (sudo usermod -aG spi,gpio USER) and restart the service."
            ) from None
        except RuntimeError as exc:
            raise ResetPinRefused(f"RFID reader: the GPIO library refused the reset pin: {exc}") from None
        finally:
            for handler in logger.handlers[:]:
                if handler not in before:  # the package adds a stderr handler per instance
                    logger.removeHandler(handler)

    def call(self, function: Callable[..., T], *args: object, deadline_s: float) -> T:
        """Run one chip call with a deadline on every SPI transfer it makes."""
        self.spi.deadline = time.monotonic() + deadline_s
        try:
            return function(*args)
        finally:
            self.spi.deadline = None

    def read(self, register: int) -> int:
        return self.chip.Read_MFRC522(register)

    def healthy(self) -> bool:
        """True when the chip gives a known version and still holds the timer and antenna set-up of Init."""
        chip = self.chip
        return (
            self.read(chip.VersionReg) in KNOWN_VERSIONS
            and self.read(chip.TModeReg) == 0x8D
            and self.read(chip.TPrescalerReg) == 0x3E
            and self.read(chip.TxControlReg) & 0x03 == 0x03
        )

    def reinit(self) -> None:
        """Hard-reset the chip through its reset pin, then run the package's MFRC522_Init."""
        gpio = self.package.GPIO
        gpio.output(self.reset_pin, 0)
        time.sleep(self.settle_s)
        gpio.output(self.reset_pin, 1)
        time.sleep(self.settle_s)
        self.chip.MFRC522_Init()

    def _transceive(self, frame: list[int]) -> tuple[int, list[int], int]:
        return self.chip.MFRC522_ToCard(self.chip.PCD_TRANSCEIVE, frame)

    def _with_crc(self, frame: list[int]) -> list[int]:
        return frame + list(self.chip.CalulateCRC(frame))

    def read_uid(self) -> bytes | None:
        """UID of the card in the field (4 or 7 bytes) or None; the card is halted afterwards."""
        try:
            return self._read_uid()
        except NoAnswer:
            return None

    def _read_uid(self) -> bytes | None:
        chip = self.chip
        status, _bits = chip.MFRC522_Request(chip.PICC_REQALL)
        if status != chip.MI_OK:
            return None
        status, cl1 = chip.MFRC522_Anticoll()
        if status != chip.MI_OK or len(cl1) != 5:
            return None
        sak = chip.MFRC522_SelectTag(cl1)
        if not sak:
            return None
        if cl1[0] == 0x88 and sak & 0x04:  # cascade tag: the UID goes on at level 2
            chip.Write_MFRC522(chip.BitFramingReg, 0x00)
            status, cl2, _ = self._transceive([SEL_CL2, 0x20])
            if status != chip.MI_OK or len(cl2) != 5 or cl2[0] ^ cl2[1] ^ cl2[2] ^ cl2[3] != cl2[4]:
                return None
            status, answer, bits = self._transceive(self._with_crc([SEL_CL2, 0x70, *cl2]))
            if status != chip.MI_OK or bits != 24 or answer[1:3] != chip.CalulateCRC(answer[:1]):
                return None
            uid = bytes(cl1[1:4] + cl2[0:4])
        elif sak & 0x04:
            return None  # triple-size UIDs are not issued as loyalty cards
        else:
            uid = bytes(cl1[0:4])
        try:
            self._transceive(self._with_crc([PICC_HALT, 0x00]))
        except NoAnswer:
            pass  # a halted card does not answer: that is the normal case
        return uid

    def close(self) -> None:
        try:
            self.chip.Close_MFRC522()
        except Exception:  # closing a broken bus must not stop a restart
            log.warning("closing the RFID reader failed", exc_info=True)


class RfidReader(DriverThread):
    """Reader thread: polls the chip, reports taps and removals, keeps its status, never blocks the caller."""

    device = DEVICE
    thread_name = "rfid-reader"

    def __init__(
        self,
        open_link: Callable[[], Mfrc522Link],
        emit: EventSink,
        board: StatusBoard,
        settings: ReaderSettings = ReaderSettings(),
    ) -> None:
        super().__init__(board)
        self._open_link = open_link
        self._emit = emit
        self.settings = settings
        self._link: Mfrc522Link | None = None
        self._current: bytes | None = None
        self._misses = 0
        self._broken = False
        self.reinits = 0
        self.heartbeat = time.monotonic()

    def _starting_detail(self) -> str:
        return "opening the RFID reader"

    def _after_join(self) -> None:
        if not self.alive:  # else the thread closes the link when its chip call returns
            self._drop_link()

    def abandon(self) -> None:
        """Give up on a reader stuck in a chip call: its thread ends and closes its link when the call returns."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._turn()
            try:
                wait = self._step()
            except Exception:  # the loop must survive anything a driver does
                log.exception("RFID reader loop failed; reopening the reader")
                self._board.set(DEVICE, ERROR, "RFID reader failed; restarting it")
                self._drop_link()
                wait = self.settings.reopen_interval_s
            self._stop.wait(wait)
        self._drop_link()

    def _drop_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _step(self) -> float:
        s = self.settings
        if self._link is None:
            try:
                self._link = self._open_link()
            except ReaderError as exc:
                self._board.set(DEVICE, ABSENT, str(exc))
                return s.reopen_interval_s
            self._broken = True  # check and set up the chip before the first poll
        link = self._link
        if self._broken:
            try:
                link.call(link.reinit, deadline_s=s.call_deadline_s)
                self.reinits += 1
                ok = link.call(link.healthy, deadline_s=s.call_deadline_s)
            except ChipDeadline:
                ok = False
            if not ok:
                self._board.set(DEVICE, ERROR, "the RFID reader chip does not answer; re-initialising it")
                return s.reinit_interval_s
            self._broken = False
            log.info("RFID reader chip answers again")
            self._board.set(DEVICE, OK, "")
        try:
            if not link.call(link.healthy, deadline_s=s.call_deadline_s):
                raise ChipFault("reader chip lost its set-up or gives garbage")
            uid = link.call(link.read_uid, deadline_s=s.call_deadline_s)
        except (ChipDeadline, ChipFault) as exc:
            log.warning("RFID reader chip stopped answering (%s); re-initialising", exc)
            self._board.set(DEVICE, ERROR, "the RFID reader chip stopped answering; re-initialising it")
            self._broken = True
            return 0.0
        self._board.set(DEVICE, OK, "")
        self._track(uid)
        return s.poll_interval_s

    def _track(self, uid: bytes | None) -> None:
        """Debounce: one event when a card arrives, one when it has been gone for absent_polls polls."""
        if uid is not None:
            self._misses = 0
            if uid != self._current:
                if self._current is not None:
                    self._emit(DeviceEvent(CARD_REMOVED, DEVICE, uid=self._current.hex().upper()))
                self._current = uid
                log.info("card tapped (%d-byte UID)", len(uid))
                self._emit(DeviceEvent(CARD_TAPPED, DEVICE, uid=uid.hex().upper()))
            return
        if self._current is None:
            return
        self._misses += 1
        if self._misses >= self.settings.absent_polls:
            gone, self._current, self._misses = self._current, None, 0
            self._emit(DeviceEvent(CARD_REMOVED, DEVICE, uid=gone.hex().upper()))
