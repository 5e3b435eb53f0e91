"""The JSON shape of sync messages, shared by central and the device: pulled pages and push answers."""

from __future__ import annotations

import dataclasses
from typing import Any

from loyalty.domain.snapshot import (
    CardState,
    CashierState,
    CentralSetting,
    CustomerState,
    LookedUp,
    PoolBalanceState,
    PoolMemberState,
    PulledBatch,
    RewardState,
)
from loyalty.errors import SyncRefused

#: The counters a till sends central per cashier and day (its adoption figures), in this order.
ADOPTION_COUNTERS = (
    "operations",
    "earns",
    "unknown_cards",
    "captured",
    "skipped",
    "redemptions",
    "refunds",
    "undos",
    "op_ms_total",
    "timed_ops",
)


def batch_to_record(batch: PulledBatch) -> dict[str, object]:
    """A pulled page as a JSON-ready dict."""
    return {
        "cursor": batch.cursor,
        "customers": [dataclasses.asdict(c) for c in batch.customers],
        "cards": [dataclasses.asdict(c) for c in batch.cards],
        "erased": list(batch.erased),
        "device_seq_through": batch.device_seq_through,
        "rewards": [dataclasses.asdict(r) for r in batch.rewards],
        "cashiers": [dataclasses.asdict(c) for c in batch.cashiers],
        "settings": [dataclasses.asdict(s) for s in batch.settings],
        "pool_members": [dataclasses.asdict(m) for m in batch.pool_members],
        "pool_balances": [dataclasses.asdict(b) for b in batch.pool_balances],
        "removed": list(batch.removed),
    }


def batch_from_record(record: object) -> PulledBatch:
    """Rebuild a pulled page, refusing anything that does not have the expected shape."""
    try:
        if not isinstance(record, dict):
            raise TypeError("not an object")
        cursor = record["cursor"]
        through = record.get("device_seq_through")
        if not isinstance(cursor, int) or cursor < 0 or (through is not None and not isinstance(through, int)):
            raise TypeError("cursor and device_seq_through must be whole numbers")
        return PulledBatch(
            cursor=cursor,
            customers=tuple(_customer(c) for c in record.get("customers", ())),
            cards=tuple(CardState(**c) for c in record.get("cards", ())),
            erased=tuple(str(c) for c in record.get("erased", ())),
            device_seq_through=through,
            rewards=tuple(RewardState(**r) for r in record.get("rewards", ())),
            cashiers=tuple(CashierState(**c) for c in record.get("cashiers", ())),
            settings=tuple(CentralSetting(**s) for s in record.get("settings", ())),
            pool_members=tuple(_pool_member(m) for m in record.get("pool_members", ())),
            pool_balances=tuple(_pool_balance(b) for b in record.get("pool_balances", ())),
            removed=tuple(str(c) for c in record.get("removed", ())),
        )
    except (KeyError, TypeError) as exc:
        raise SyncRefused(f"central sent a pull page this device cannot read: {exc}") from None


def looked_up_from_record(record: object) -> LookedUp:
    """A look-up's answer (`GET /api/customers/by-card/<uid>` or `/api/customers/<id>`) as the device holds it."""
    try:
        if not isinstance(record, dict) or not isinstance(record.get("customer"), dict):
            raise TypeError("no customer")
        member = record.get("pool_member")
        pool = record.get("pool_balance")
        return LookedUp(
            customer=_customer(record["customer"]),
            cards=tuple(CardState(**c) for c in record.get("cards") or ()),
            pool_members=(_pool_member(member),) if member else (),
            pool_balances=(_pool_balance(pool),) if pool else (),
        )
    except (KeyError, TypeError) as exc:
        raise SyncRefused(f"central sent a customer this device cannot read: {exc}") from None


def _customer(record: dict[str, Any]) -> CustomerState:
    """A pulled customer; its lots become (day, points) pairs (central before lots sends none)."""
    lots = record.get("lots", ())
    debits = record.get("debits", 0)
    hashes = record.get("contact_hashes", ())
    filled = record.get("profile_filled", ())
    if not all(
        isinstance(texts, (list, tuple)) and all(isinstance(t, str) for t in texts) for texts in (hashes, filled)
    ):
        raise TypeError("a customer's contact_hashes and profile_filled must be lists of text")
    if (
        not isinstance(lots, (list, tuple))
        or not all(
            isinstance(lot, (list, tuple))
            and len(lot) == 2
            and isinstance(lot[0], str)
            and isinstance(lot[1], int)
            and not isinstance(lot[1], bool)
            for lot in lots
        )
        or isinstance(debits, bool)
        or not isinstance(debits, int)
    ):
        raise TypeError("a customer's lots must be [day, points] pairs and its debits whole points")
    return CustomerState(
        **{
            **record,
            "lots": tuple((day, points) for day, points in lots),
            "debits": debits,
            "contact_hashes": tuple(hashes),
            "profile_filled": tuple(filled),
        }
    )


def _pool_member(record: dict[str, Any]) -> PoolMemberState:
    member = PoolMemberState(**record)
    if (
        not isinstance(member.customer_id, str)
        or not (member.pool_id is None or isinstance(member.pool_id, str))
        or isinstance(member.share_pct, bool)
        or not isinstance(member.share_pct, int)
        or not 0 <= member.share_pct <= 100
    ):
        raise TypeError("a pool membership needs a customer id, a pool id or null and a share of 0 to 100")
    return member


def _pool_balance(record: dict[str, Any]) -> PoolBalanceState:
    balance = PoolBalanceState(**record)
    if not isinstance(balance.pool_id, str) or isinstance(balance.points, bool) or not isinstance(balance.points, int):
        raise TypeError("a pool balance needs a pool id and whole points")
    if balance.members is not None and (
        isinstance(balance.members, bool) or not isinstance(balance.members, int) or balance.members < 0
    ):
        raise TypeError("a pool's member count must be a whole number of 0 or more, or null")
    return balance
