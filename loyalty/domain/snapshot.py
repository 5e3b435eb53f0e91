"""State pulled from central: what a device's cache holds besides its own pending events.

Central answers a pull with a `PulledBatch` of current rows (not events), so a new device does not replay
the whole chain's ledger. `device_seq_through` is the highest sequence number of the pulling device's own
events that central holds with no gap before it: those events are inside the pulled balances, so the
device folds them into its base and stops counting them as pending.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerState:
    """A customer as central knows it, balance included; personal fields are None once erased.

    Central sends devices the least data: the first name, `last_initial` and `contact_hashes` (keyed hashes of
    the normalised phone and e-mail, `loyalty.domain.customers.contact_hashes`); `last_name`, `phone` and `email`
    stay None on the wire (they remain fields for what a device itself records until central answers).
    `lots` (earning day, net points), oldest first, and `debits` (points spent or expired) are the customer's
    `Ledger.lots` and `Ledger.debits` in compacted form (`loyalty.domain.lots`): amounts only, no personal data.
    """

    customer_id: str
    points: int
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent_granted: bool | None = None
    consent_version: str | None = None
    erased: bool = False
    lots: tuple[tuple[str, int], ...] = ()
    debits: int = 0
    last_initial: str | None = None
    contact_hashes: tuple[str, ...] = ()
    #: Which of last_name, phone, email central holds (names only): the till asks only for the others.
    profile_filled: tuple[str, ...] = ()


@dataclass(frozen=True)
class CardState:
    card_uid: str
    customer_id: str
    blocked: bool = False


@dataclass(frozen=True)
class PulledBatch:
    """One page of a pull: upserts of customers and cards, erasures, and the cursor to resume from.

    `removed` lists customers that left the device's store scope: the device drops them (row, cards, pool
    membership) but keeps its own pending events for them. `erased` reaches every device, in scope or not.
    """

    cursor: int
    customers: tuple[CustomerState, ...] = ()
    cards: tuple[CardState, ...] = ()
    erased: tuple[str, ...] = ()
    device_seq_through: int | None = None
    rewards: tuple[RewardState, ...] = ()
    cashiers: tuple[CashierState, ...] = ()
    settings: tuple[CentralSetting, ...] = ()
    pool_members: tuple[PoolMemberState, ...] = ()
    pool_balances: tuple[PoolBalanceState, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class LookedUp:
    """A customer central answered a device's look-up with (by card, or chosen from a search): the row a pull
    would send, with its cards, pool membership and that pool's balance, so the device holds it as if pulled."""

    customer: CustomerState
    cards: tuple[CardState, ...] = ()
    pool_members: tuple[PoolMemberState, ...] = ()
    pool_balances: tuple[PoolBalanceState, ...] = ()


@dataclass(frozen=True)
class RewardState:
    """A catalogue entry as central publishes it; inactive entries are withdrawn from sale."""

    reward_id: str
    kind: str
    name: str
    points_price: int
    stock: int | None = None
    partner: str | None = None
    face_value_cents: int | None = None
    active: bool = True


@dataclass(frozen=True)
class CashierState:
    """A cashier account as central publishes it: the PIN only ever as its hash."""

    cashier_id: str
    name: str
    role: str
    pin_hash: str
    language: str = "fr"
    active: bool = True


@dataclass(frozen=True)
class CentralSetting:
    """A chain-wide setting pushed to every device; `earning_rules` holds the [earning] table as JSON."""

    key: str
    value_json: str


@dataclass(frozen=True)
class PoolMemberState:
    """A customer's pool membership now: `pool_id` None once the customer left every pool."""

    customer_id: str
    pool_id: str | None
    share_pct: int = 0


@dataclass(frozen=True)
class PoolBalanceState:
    """A pool's points as central folded them from every device's pool events, and its current member count.

    `members` is None from a central that does not send it; a device then counts the members it holds.
    """

    pool_id: str
    points: int
    members: int | None = None
