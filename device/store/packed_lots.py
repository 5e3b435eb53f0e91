"""A customer's lots (points by earning day) packed for the cache: 8 bytes a lot instead of ~120.

A regular's two years of shopping days are dozens of lots, times 100 000 customers: as Python tuples
they cost hundreds of MB and seconds to load on a Pi. Packed, each customer holds one `bytes` of
(day ordinal, points) pairs, stored in the snapshot as base64 text and unpacked only when a customer's
expiry notice or tier is asked for.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable
from datetime import date

_PAIR = struct.Struct("<ii")
NONE = b""


def pack(lots: Iterable[tuple[str, int]]) -> bytes:
    """(YYYY-MM-DD, points) pairs as bytes; ValueError for a day that is not a date."""
    pairs = [(date.fromisoformat(day).toordinal(), points) for day, points in lots]
    return struct.pack(f"<{2 * len(pairs)}i", *(n for pair in pairs for n in pair)) if pairs else NONE


def unpack(packed: bytes) -> dict[str, int]:
    """The lots as `Ledger.lots` holds them: day -> points."""
    return {date.fromordinal(ordinal).isoformat(): points for ordinal, points in _PAIR.iter_unpack(packed)}


def to_text(packed: bytes) -> str:
    return base64.b64encode(packed).decode("ascii")


def from_text(text: object) -> bytes:
    """Packed lots read back from the snapshot; TypeError when the text cannot be such lots."""
    if not isinstance(text, str):
        raise TypeError("packed lots must be text")
    try:
        packed = binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        raise TypeError("packed lots are not base64") from None
    if len(packed) % _PAIR.size:
        raise TypeError("packed lots have a torn pair")
    return packed
