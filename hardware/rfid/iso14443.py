"""ISO/IEC 14443-A cards as they answer in the RF field: REQA/WUPA, anticollision, cascade, SELECT, HALT.

The emulated reader chip hands every frame it transmits to the cards in its field and gets back what
they answer, bit for bit, so the real MFRC522 driver code sees the same exchanges as with a real card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REQA = 0x26
WUPA = 0x52
SEL_CL1 = 0x93
SEL_CL2 = 0x95
SEL_CL3 = 0x97
HALT = 0x50
READ = 0x30
CASCADE_TAG = 0x88
NAK = 0x04
SAK_CASCADE_BIT = 0x04

IDLE, READY, ACTIVE, HALTED = "idle", "ready", "active", "halted"


def crc_a(data: bytes | bytearray | list[int], preset: int = 0x6363) -> bytes:
    """CRC_A of ISO 14443-3 (reflected CRC-16/CCITT, preset 0x6363), low byte first as sent on air."""
    crc = preset
    for byte in data:
        byte ^= crc & 0xFF
        byte = (byte ^ (byte << 4)) & 0xFF
        crc = ((crc >> 8) ^ (byte << 8) ^ (byte << 3) ^ (byte >> 4)) & 0xFFFF
    return bytes((crc & 0xFF, crc >> 8))


def bcc(data: bytes | list[int]) -> int:
    """Block check character of an anticollision answer: XOR of the four UID bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


@dataclass(frozen=True)
class Answer:
    """What a card sends back: bytes, and the number of valid bits in the last byte (0 means all 8)."""

    data: bytes
    last_bits: int = 0


@dataclass
class Card:
    """One ISO 14443-A card (PICC) with its state machine; `uid` is 4 (single) or 7 (double size) bytes."""

    uid: bytes
    atqa: bytes
    sak: int
    memory: bytearray = field(default_factory=bytearray)
    state: str = IDLE
    level: int = 1
    halted_before: bool = False

    def __post_init__(self) -> None:
        if len(self.uid) not in (4, 7):
            raise ValueError(f"a card UID has 4 or 7 bytes, not {len(self.uid)}")

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()

    def cascade_bytes(self, level: int) -> bytes:
        """The four UID bytes the card gives at a cascade level (CT + 3 bytes when more levels follow)."""
        if len(self.uid) == 4:
            return self.uid if level == 1 else b""
        if level == 1:
            return bytes((CASCADE_TAG,)) + self.uid[:3]
        return self.uid[3:7] if level == 2 else b""

    def levels(self) -> int:
        return 1 if len(self.uid) == 4 else 2

    def leave_field(self) -> None:
        self.state, self.level, self.halted_before = IDLE, 1, False

    def _unexpected(self) -> None:
        # ISO 14443-3: an unexpected frame sends the card back to IDLE, or to HALT if it was woken from there.
        self.state = HALTED if self.halted_before else IDLE
        self.level = 1

    def receive(self, frame: bytes, tx_last_bits: int) -> Answer | None:
        """Answer one frame from the reader, or None for silence."""
        if tx_last_bits == 7 and len(frame) == 1:
            command = frame[0] & 0x7F
            if command == REQA and self.state == IDLE or command == WUPA and self.state in (IDLE, HALTED):
                self.halted_before = self.state == HALTED
                self.state, self.level = READY, 1
                return Answer(self.atqa)
            if self.state in (READY, ACTIVE):
                self._unexpected()
            return None
        if not frame:
            return None
        if self.state == READY and frame[0] in (SEL_CL1, SEL_CL2, SEL_CL3):
            return self._select(frame)
        if self.state == ACTIVE:
            return self._active(frame)
        if self.state == READY:
            self._unexpected()
        return None

    def _select(self, frame: bytes) -> Answer | None:
        level = {SEL_CL1: 1, SEL_CL2: 2, SEL_CL3: 3}[frame[0]]
        if level != self.level or len(frame) < 2:
            self._unexpected()
            return None
        cl = self.cascade_bytes(level)
        if frame[1] == 0x20 and len(frame) == 2:
            return Answer(cl + bytes((bcc(cl),)))
        if frame[1] == 0x70 and len(frame) == 9:
            if crc_a(frame[:7]) != frame[7:9] or frame[2:6] != cl or frame[6] != bcc(cl):
                self._unexpected()
                return None
            if level < self.levels():
                self.level = level + 1
                sak = SAK_CASCADE_BIT
            else:
                self.state = ACTIVE
                sak = self.sak
            return Answer(bytes((sak,)) + crc_a(bytes((sak,))))
        self._unexpected()
        return None

    def _active(self, frame: bytes) -> Answer | None:
        if len(frame) == 4 and frame[0] == HALT and frame[1] == 0 and crc_a(frame[:2]) == frame[2:]:
            self.state, self.level = HALTED, 1
            return None
        if len(frame) == 4 and frame[0] == READ and crc_a(frame[:2]) == frame[2:]:
            return self._read(frame[1])
        self._unexpected()
        return None

    def _read(self, address: int) -> Answer:
        return Answer(bytes((NAK,)), last_bits=4)


@dataclass
class Ntag21x(Card):
    """NXP NTAG213/215/216: 7-byte UID (cascade level 2), ATQA 0x0044, SAK 0x00, readable 4-byte pages."""

    def _read(self, address: int) -> Answer:
        pages = len(self.memory) // 4
        if address >= pages:
            return Answer(bytes((NAK,)), last_bits=4)
        data = bytes(self.memory[(address * 4 + i) % len(self.memory)] for i in range(16))
        return Answer(data + crc_a(data))


@dataclass
class MifareClassic1K(Card):
    """NXP MIFARE Classic 1K: 4-byte UID, ATQA 0x0004, SAK 0x08; a sector is read after authentication.

    The reader chip runs Crypto1 itself and hands plain data over SPI, so the emulator only keeps which
    sector the chip authenticated (`authenticated_sector`); the air-side cipher is not modelled.
    """

    authenticated_sector: int | None = None

    def leave_field(self) -> None:
        super().leave_field()
        self.authenticated_sector = None

    def _unexpected(self) -> None:
        super()._unexpected()
        self.authenticated_sector = None

    def authenticate(self, block: int, key: bytes) -> bool:
        """What MFAuthent achieves: the key must match the sector trailer's key A or key B."""
        if self.state != ACTIVE or not 0 <= block < 64:
            return False
        trailer = (block // 4) * 4 + 3
        keys = (
            bytes(self.memory[trailer * 16 : trailer * 16 + 6]),
            bytes(self.memory[trailer * 16 + 10 : trailer * 16 + 16]),
        )
        if key in keys:
            self.authenticated_sector = block // 4
            return True
        return False

    def _read(self, address: int) -> Answer:
        if address >= 64 or self.authenticated_sector != address // 4:
            return Answer(bytes((NAK,)), last_bits=4)
        data = bytes(self.memory[address * 16 : address * 16 + 16])
        if address % 4 == 3:
            data = bytes(6) + data[6:10] + data[10:]  # key A never reads back
        return Answer(data + crc_a(data))


def classic_1k(uid_hex: str) -> MifareClassic1K:
    """A MIFARE Classic 1K card with the given 4-byte UID (hex)."""
    uid = bytes.fromhex(uid_hex)
    if len(uid) != 4:
        raise ValueError("a MIFARE Classic 1K card has a 4-byte UID (8 hex digits)")
    memory = bytearray(1024)
    memory[0:16] = uid + bytes((bcc(uid), 0x08, 0x04, 0x00)) + b"\x62\x63\x64\x65\x66\x67\x68\x69"
    for sector in range(16):  # transport configuration: keys FF..FF, access bits FF 07 80 69
        trailer = (sector * 4 + 3) * 16
        memory[trailer : trailer + 16] = b"\xff" * 6 + b"\xff\x07\x80\x69" + b"\xff" * 6
    return MifareClassic1K(uid=uid, atqa=b"\x04\x00", sak=0x08, memory=memory)


def ntag21x(uid_hex: str) -> Ntag21x:
    """An NTAG21x card with the given 7-byte UID (hex); pages 0-3 hold the UID, check bytes and CC."""
    uid = bytes.fromhex(uid_hex)
    if len(uid) != 7:
        raise ValueError("an NTAG21x card has a 7-byte UID (14 hex digits)")
    memory = bytearray(180)
    bcc0 = CASCADE_TAG ^ uid[0] ^ uid[1] ^ uid[2]
    memory[0:4] = bytes((uid[0], uid[1], uid[2], bcc0))
    memory[4:8] = uid[3:7]
    memory[8] = uid[3] ^ uid[4] ^ uid[5] ^ uid[6]
    memory[12:16] = b"\xe1\x10\x12\x00"
    return Ntag21x(uid=uid, atqa=b"\x44\x00", sak=0x00, memory=memory)


def card_for_uid(uid_hex: str) -> Card:
    """The card kind that fits a UID: 8 hex digits → MIFARE Classic 1K, 14 → NTAG21x."""
    cleaned = uid_hex.replace(":", "").replace(" ", "").strip()
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"card UID {uid_hex!r} is not hexadecimal") from None
    if len(raw) == 4:
        return classic_1k(cleaned)
    if len(raw) == 7:
        return ntag21x(cleaned)
    raise ValueError("a card UID has 8 hex digits (MIFARE Classic) or 14 (NTAG21x)")
