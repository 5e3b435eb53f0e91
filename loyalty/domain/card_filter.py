"""A compact filter of the cards the chain issued, so a device tells a chain card from a foreign one offline.

A Bloom filter over the normalised card numbers and chip UIDs of every card batch: a UID the filter does
not hold was surely not issued (no false negatives); a UID it holds was issued but for a stated false-positive
rate (`fp_rate`, 1 % by default: about 1.2 bytes per card face). Positions come from SHA-256 of the UID by
double hashing, so central and every device agree on them whatever their Python version.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_FP_RATE = 0.01
_SEPARATORS = re.compile(r"[\s:.-]")


def normalise_uid(text: str) -> str:
    """A card face as typed or read: spaces, dots, colons and hyphens dropped, letters upper-case."""
    return _SEPARATORS.sub("", text).upper()


@dataclass(frozen=True)
class CardFilter:
    """`size` bits, `hashes` positions per UID, built over `count` UIDs for the stated `fp_rate`."""

    bits: bytes
    size: int
    hashes: int
    count: int
    fp_rate: float

    @classmethod
    def build(cls, uids: Iterable[str], fp_rate: float = DEFAULT_FP_RATE) -> CardFilter:
        """The smallest filter holding `uids` with at most `fp_rate` false positives."""
        if not 0 < fp_rate < 1:
            raise ValueError("fp_rate must be between 0 and 1")
        keys = {normalise_uid(uid) for uid in uids} - {""}
        count = len(keys)
        size = max(64, math.ceil(-count * math.log(fp_rate) / math.log(2) ** 2))
        hashes = max(1, round(size / max(count, 1) * math.log(2)))
        bits = bytearray((size + 7) // 8)
        for key in keys:
            for position in _positions(key, size, hashes):
                bits[position >> 3] |= 1 << (position & 7)
        return cls(bytes(bits), size, hashes, count, fp_rate)

    def __contains__(self, uid: object) -> bool:
        if not isinstance(uid, str) or not (key := normalise_uid(uid)):
            return False
        bits = self.bits
        return all(bits[p >> 3] >> (p & 7) & 1 for p in _positions(key, self.size, self.hashes))

    def to_json(self) -> str:
        return json.dumps(
            {
                "size": self.size,
                "hashes": self.hashes,
                "count": self.count,
                "fp_rate": self.fp_rate,
                "bits": base64.b64encode(self.bits).decode(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> CardFilter:
        """Rebuild a filter sent by central; raises ValueError if it is not one."""
        try:
            record = json.loads(text)
            made = cls(
                base64.b64decode(record["bits"], validate=True),
                int(record["size"]),
                int(record["hashes"]),
                int(record["count"]),
                float(record["fp_rate"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a card filter: {exc}") from None
        if made.size < 1 or made.hashes < 1 or len(made.bits) != (made.size + 7) // 8:
            raise ValueError("not a card filter: its size and bits disagree")
        return made


def _positions(key: str, size: int, hashes: int) -> list[int]:
    digest = hashlib.sha256(key.encode()).digest()
    first = int.from_bytes(digest[:8], "little")
    step = int.from_bytes(digest[8:16], "little") | 1
    return [(first + i * step) % size for i in range(hashes)]
