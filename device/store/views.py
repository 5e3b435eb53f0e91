"""The records the store hands out: a customer as the till sees it, and the store's health figures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerView:
    """A customer with balance and cards; `card_blocked` is about the card the customer was looked up by.

    `last_name`, `phone` and `email` are known only while this device's own capture of them is on its way to
    central; a customer held from central has `last_initial` and the keyed `contact_hashes` instead.
    """

    customer_id: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    points: int
    card_uids: tuple[str, ...]
    card_blocked: bool
    consent_granted: bool | None
    consent_version: str | None
    erased: bool
    last_initial: str | None = None
    contact_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreStats:
    """Counts and recoveries, for the status screen and the service log (no personal data)."""

    device_id: str
    customers: int
    cards: int
    pending: int
    acknowledged: int
    cursor: int
    last_seq: int
    problems: tuple[str, ...]
    #: Sequence numbers recorded here that neither copy of the outbox holds any more (see `outbox_copies`).
    lost: tuple[int, ...] = ()
