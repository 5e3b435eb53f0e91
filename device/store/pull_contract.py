"""The pull contract a batch from central must keep before any of it reaches the store."""

from __future__ import annotations

import re
import struct

from device.store import packed_lots
from loyalty.domain.snapshot import CardState, CustomerState, PoolBalanceState, PoolMemberState, PulledBatch
from loyalty.errors import InvalidPull

_HEX_HASH = re.compile(r"[0-9a-f]{32}")


def check_batch(batch: object) -> None:
    """Refuse a batch that breaks the pull contract before any of it is applied."""
    if not isinstance(batch, PulledBatch):
        raise InvalidPull(f"expected a PulledBatch, got {type(batch).__name__}")
    if isinstance(batch.cursor, bool) or not isinstance(batch.cursor, int) or batch.cursor < 0:
        raise InvalidPull(f"pull cursor must be a whole number >= 0, got {batch.cursor!r}")
    through = batch.device_seq_through
    if through is not None and (isinstance(through, bool) or not isinstance(through, int) or through < 0):
        raise InvalidPull(f"device_seq_through must be a whole number >= 0, got {through!r}")
    for state in batch.customers:
        if (
            not isinstance(state, CustomerState)
            or not isinstance(state.customer_id, str)
            or not state.customer_id
            or isinstance(state.points, bool)
            or not isinstance(state.points, int)
        ):
            raise InvalidPull("a pulled customer needs a customer id and whole-number points")
        if (
            not isinstance(state.lots, tuple)
            or isinstance(state.debits, bool)
            or not isinstance(state.debits, int)
            or not all(
                isinstance(lot, tuple)
                and len(lot) == 2
                and isinstance(lot[0], str)
                and isinstance(lot[1], int)
                and not isinstance(lot[1], bool)
                for lot in state.lots
            )
        ):
            raise InvalidPull("a pulled customer's lots must be (day, points) pairs and its debits whole points")
        try:
            packed_lots.pack(state.lots)
        except (ValueError, struct.error):
            raise InvalidPull("a pulled customer's lots must be dated YYYY-MM-DD, points the cache holds") from None
        for name in ("first_name", "last_name", "phone", "email", "consent_version", "last_initial"):
            if not isinstance(getattr(state, name), (str, type(None))):
                raise InvalidPull(f"a pulled customer's {name} must be text")
        if not isinstance(state.contact_hashes, tuple) or not all(
            isinstance(h, str) and _HEX_HASH.fullmatch(h) for h in state.contact_hashes
        ):
            raise InvalidPull("a pulled customer's contact_hashes must be texts of 32 hexadecimal digits")
    for card in batch.cards:
        if (
            not isinstance(card, CardState)
            or not isinstance(card.card_uid, str)
            or not card.card_uid
            or not isinstance(card.customer_id, str)
            or not card.customer_id
        ):
            raise InvalidPull("a pulled card needs a card uid and a customer id")
    for cid in batch.erased:
        if not isinstance(cid, str) or not cid:
            raise InvalidPull("an erased customer id must be non-empty text")
    for cid in batch.removed:
        if not isinstance(cid, str) or not cid:
            raise InvalidPull("a removed customer id must be non-empty text")
    for member in batch.pool_members:
        if (
            not isinstance(member, PoolMemberState)
            or not isinstance(member.customer_id, str)
            or not member.customer_id
            or not isinstance(member.pool_id, (str, type(None)))
            or isinstance(member.share_pct, bool)
            or not isinstance(member.share_pct, int)
            or not 0 <= member.share_pct <= 100
        ):
            raise InvalidPull("a pulled pool membership needs a customer id, a pool id or none and a share of 0-100")
    for pool in batch.pool_balances:
        if (
            not isinstance(pool, PoolBalanceState)
            or not isinstance(pool.pool_id, str)
            or not pool.pool_id
            or isinstance(pool.points, bool)
            or not isinstance(pool.points, int)
        ):
            raise InvalidPull("a pulled pool balance needs a pool id and whole-number points")
