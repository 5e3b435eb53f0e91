"""Register-level emulator of the NXP MFRC522 reader chip, driven through its SPI byte protocol.

It models what the `mfrc522` package and our poll loop touch: the 64-byte FIFO, CommandReg (Idle,
Transceive, Transmit, CalcCRC, MFAuthent, SoftReset), ComIrqReg/DivIrqReg with their Set bit, ErrorReg,
BitFramingReg (TxLastBits, StartSend), ControlReg (RxLastBits), the timer interrupt when no card answers,
the CRC coprocessor, the antenna switch, the NRSTPD reset pin, and cards in the field (ISO 14443-A).
Fault modes stand for a chip that stops answering (`silent`), a noisy bus (`garbage`) or a stuck bus
(`slow`), so the reader's recovery is tested against the package's real code.
"""

from __future__ import annotations

import random
import threading
import time

from hardware.rfid.iso14443 import ACTIVE, Card, MifareClassic1K, crc_a

# Register addresses (MFRC522 datasheet, section 9).
CommandReg, ComIEnReg, DivIEnReg, ComIrqReg, DivIrqReg, ErrorReg = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
Status1Reg, Status2Reg, FIFODataReg, FIFOLevelReg, WaterLevelReg = 0x07, 0x08, 0x09, 0x0A, 0x0B
ControlReg, BitFramingReg, CollReg = 0x0C, 0x0D, 0x0E
ModeReg, TxModeReg, RxModeReg, TxControlReg, TxASKReg = 0x11, 0x12, 0x13, 0x14, 0x15
CRCResultRegH, CRCResultRegL = 0x21, 0x22
TModeReg, TPrescalerReg, TReloadRegH, TReloadRegL = 0x2A, 0x2B, 0x2C, 0x2D
VersionReg = 0x37

CMD_IDLE, CMD_CALCCRC, CMD_TRANSMIT, CMD_RECEIVE = 0x00, 0x03, 0x04, 0x08
CMD_TRANSCEIVE, CMD_MFAUTHENT, CMD_SOFTRESET = 0x0C, 0x0E, 0x0F

IRQ_TX, IRQ_RX, IRQ_IDLE, IRQ_HIALERT, IRQ_LOALERT, IRQ_ERR, IRQ_TIMER = 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01
DIV_CRC = 0x04
ERR_BUFFER_OVFL, ERR_COLL, ERR_PROTOCOL = 0x10, 0x08, 0x01

FIFO_SIZE = 64
VERSION_V2 = 0x92

_RESET_VALUES = {
    CommandReg: 0x20,
    ComIEnReg: 0x80,
    ComIrqReg: 0x14,
    DivIrqReg: 0x00,
    ErrorReg: 0x00,
    Status1Reg: 0x21,
    ControlReg: 0x10,
    WaterLevelReg: 0x08,
    ModeReg: 0x3F,
    TxControlReg: 0x80,
    TModeReg: 0x00,
    TPrescalerReg: 0x00,
    TReloadRegH: 0x00,
    TReloadRegL: 0x00,
}
_CRC_PRESETS = {0: 0x0000, 1: 0x6363, 2: 0xA671, 3: 0xFFFF}


class Mfrc522Emulator:
    """One MFRC522 chip with an RF field; `transfer()` is one SPI transaction (what spidev's xfer2 does)."""

    def __init__(self, version: int = VERSION_V2, seed: int = 0) -> None:
        self.version = version
        self.fault: str | None = None
        self.slow_s = 0.05
        self.powered = True
        self.transfers = 0
        self._cards: list[Card] = []
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._soft_reset()

    # -- the RF field (what the panel and tests act on) --------------------------------------------
    def present(self, card: Card) -> None:
        """Put a card on the reader (it enters the field in IDLE state)."""
        with self._lock:
            card.leave_field()
            self._cards.append(card)

    def remove(self, card: Card | None = None) -> None:
        """Take a card (or every card) off the reader."""
        with self._lock:
            for gone in [c for c in self._cards if card is None or c is card]:
                gone.leave_field()
                self._cards.remove(gone)

    @property
    def cards(self) -> tuple[Card, ...]:
        with self._lock:
            return tuple(self._cards)

    def set_fault(self, fault: str | None) -> None:
        """`None` heals the chip; "silent", "garbage" or "slow" break it; "brownout" resets its registers."""
        if fault not in (None, "silent", "garbage", "slow", "brownout"):
            raise ValueError(f"unknown chip fault {fault!r}")
        with self._lock:
            if fault == "brownout":
                self._soft_reset()
                self.fault = None
            else:
                self.fault = fault

    # -- pins ----------------------------------------------------------------------------------------
    def set_reset_pin(self, level: int) -> None:
        """NRSTPD: low powers the chip down, the rising edge is a hard reset."""
        with self._lock:
            if level and not self.powered:
                self._soft_reset()
            self.powered = bool(level)

    # -- SPI -----------------------------------------------------------------------------------------
    def transfer(self, data: list[int]) -> list[int]:
        """One SPI transaction: address byte(s) in, register values out (datasheet 8.1.2)."""
        if self.fault == "slow":
            time.sleep(self.slow_s)
        with self._lock:
            self.transfers += 1
            if not data:
                return []
            if not self.powered or self.fault == "silent":
                return [0] * len(data)
            if self.fault == "garbage":
                return [self._rng.randrange(256) for _ in data]
            first = data[0]
            address = (first >> 1) & 0x3F
            if first & 0x80:
                out = [0]
                for byte in data[1:]:
                    out.append(self._read(address))
                    address = (byte >> 1) & 0x3F
                return out
            for byte in data[1:]:
                self._write(address, byte & 0xFF)
            return [0] * len(data)

    # -- registers -----------------------------------------------------------------------------------
    def _soft_reset(self) -> None:
        self.regs = [0] * 64
        for address, value in _RESET_VALUES.items():
            self.regs[address] = value
        self.fifo: list[int] = []
        self.command = CMD_IDLE
        self.rx_last_bits = 0
        self.crc_value = 0
        self.crc_data: list[int] = []
        for card in getattr(self, "_cards", []):
            card.leave_field()

    def _read(self, address: int) -> int:
        if address == FIFODataReg:
            return self.fifo.pop(0) if self.fifo else 0
        if address == FIFOLevelReg:
            return len(self.fifo)
        if address == ControlReg:
            return 0x10 | self.rx_last_bits
        if address == VersionReg:
            return self.version
        if address == CommandReg:
            return (self.regs[CommandReg] & 0xF0) | self.command
        if address == CRCResultRegH:
            return self.crc_value >> 8
        if address == CRCResultRegL:
            return self.crc_value & 0xFF
        return self.regs[address] & 0xFF

    def _write(self, address: int, value: int) -> None:
        if address == CommandReg:
            self.regs[CommandReg] = value & 0x30
            self._command(value & 0x0F)
        elif address in (ComIrqReg, DivIrqReg):
            mask = value & 0x7F
            if value & 0x80:
                self.regs[address] |= mask
            else:
                self.regs[address] &= ~mask & 0x7F
        elif address == FIFOLevelReg:
            if value & 0x80:
                self.fifo.clear()
                self.regs[ErrorReg] &= ~ERR_BUFFER_OVFL & 0xFF
        elif address == FIFODataReg:
            if len(self.fifo) >= FIFO_SIZE:
                self.regs[ErrorReg] |= ERR_BUFFER_OVFL
            else:
                self.fifo.append(value)
            if self.command == CMD_CALCCRC:
                self._calc_crc()
        elif address == BitFramingReg:
            self.regs[BitFramingReg] = value & 0x77
            if value & 0x80 and self.command == CMD_TRANSCEIVE:
                self._exchange(expect_answer=True)
        elif address in (VersionReg, Status1Reg):
            pass
        else:
            self.regs[address] = value

    def _command(self, command: int) -> None:
        if command == CMD_SOFTRESET:
            self._soft_reset()
            return
        self.command = command
        if command == CMD_IDLE:
            return
        if command == CMD_CALCCRC:
            self._calc_crc(restart=True)
        elif command == CMD_TRANSMIT:
            self._exchange(expect_answer=False)
            self.command = CMD_IDLE
            self.regs[ComIrqReg] |= IRQ_IDLE
        elif command == CMD_MFAUTHENT:
            self._authenticate()
        elif command == CMD_RECEIVE:
            self.regs[ComIrqReg] |= IRQ_TIMER if self.regs[TModeReg] & 0x80 else 0

    def _calc_crc(self, restart: bool = False) -> None:
        # CalcCRC consumes the FIFO and keeps running: bytes written later are added to the same CRC.
        if restart:
            self.crc_data = []
        self.crc_data.extend(self.fifo)
        self.fifo.clear()
        low_high = crc_a(self.crc_data, _CRC_PRESETS[self.regs[ModeReg] & 0x03])
        self.crc_value = low_high[0] | (low_high[1] << 8)
        self.regs[DivIrqReg] |= DIV_CRC

    def _antenna_on(self) -> bool:
        return (self.regs[TxControlReg] & 0x03) == 0x03

    def _exchange(self, expect_answer: bool) -> None:
        """Send the FIFO content to the field; put the cards' answer (or a timeout) in FIFO and IRQs."""
        frame = bytes(self.fifo)
        self.fifo.clear()
        tx_last_bits = self.regs[BitFramingReg] & 0x07
        self.regs[ErrorReg] = 0
        self.regs[CollReg] = 0xA0
        self.rx_last_bits = 0
        self.regs[ComIrqReg] |= IRQ_TX
        answers = []
        if self._antenna_on():
            for card in list(self._cards):
                answer = card.receive(frame, tx_last_bits)
                if answer is not None:
                    answers.append(answer)
        if not expect_answer:
            return
        if not answers:
            if self.regs[TModeReg] & 0x80:  # TAuto: the timer starts at the end of sending and runs out
                self.regs[ComIrqReg] |= IRQ_TIMER
            return
        first = answers[0]
        if any(a != first for a in answers[1:]):
            self.regs[ErrorReg] |= ERR_COLL
            self.regs[CollReg] = 0x00
        self.fifo.extend(first.data[:FIFO_SIZE])
        self.rx_last_bits = first.last_bits
        self.regs[ComIrqReg] |= IRQ_RX

    def _authenticate(self) -> None:
        """MFAuthent: FIFO holds auth command, block, 6-byte key, 4 UID bytes (datasheet 10.3.1.9)."""
        frame = bytes(self.fifo)
        self.fifo.clear()
        card = next((c for c in self._cards if isinstance(c, MifareClassic1K) and c.state == ACTIVE), None)
        if (
            len(frame) == 12
            and frame[0] in (0x60, 0x61)
            and card is not None
            and frame[8:12] == card.uid[:4]
            and card.authenticate(frame[1], frame[2:8])
        ):
            self.regs[Status2Reg] |= 0x08
            self.regs[ComIrqReg] |= IRQ_IDLE
            self.command = CMD_IDLE
        elif self.regs[TModeReg] & 0x80:  # a wrong key: the card goes silent and the timer runs out
            if card is not None:
                card._unexpected()
            self.regs[ComIrqReg] |= IRQ_TIMER
