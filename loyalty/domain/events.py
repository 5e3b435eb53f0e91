"""The ledger's events: append-only facts, each with a UUID made on the device that first recorded it.

Every event carries the device id, the cashier id, the local time and a per-device sequence number
(given by the store when it records the event). Events are plain frozen dataclasses; `to_record` and
`from_record` turn them into JSON-ready dicts and back, refusing anything malformed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from dataclasses import dataclass
from typing import Any

from loyalty.domain import business_clock
from loyalty.errors import InvalidEvent

#: One category line of an earn: (category, cents, points).
EarnLine = tuple[str, int, int]

REWARD_KINDS = ("in_house", "partner_voucher")
CONSENT_CHANNELS = ("till", "kiosk", "online", "central")


def new_event_id() -> str:
    """A fresh event id, made on the device (random UUID, so devices never collide)."""
    return str(uuid.uuid4())


def now_local() -> str:
    """Business time (the device's clock, or central's when the device's is wrong) with its UTC offset."""
    return business_clock.now_datetime().isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class Event:
    """Fields every event has. `seq` is None until the store records the event."""

    event_id: str = dataclasses.field(default_factory=new_event_id)
    device_id: str
    seq: int | None = None
    at: str = dataclasses.field(default_factory=now_local)
    cashier_id: str | None = None

    @property
    def type(self) -> str:
        return type(self).__name__

    @property
    def day(self) -> str:
        """The local calendar day of the event, `YYYY-MM-DD` (daily caps count per local day)."""
        return self.at[:10]


@dataclass(frozen=True, kw_only=True)
class CustomerRegistered(Event):
    """A new customer: only the first name is needed at the till; the rest can come later."""

    customer_id: str
    first_name: str
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProfileUpdated(Event):
    """Progressive profile: some fields of a customer filled in or corrected."""

    customer_id: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(Event):
    """The customer gave or withdrew consent to the given version of the consent text."""

    customer_id: str
    granted: bool
    text_version: str
    channel: str = "till"


@dataclass(frozen=True, kw_only=True)
class CardLinked(Event):
    """A card UID (plastic card or phone card number) now identifies this customer."""

    customer_id: str
    card_uid: str


@dataclass(frozen=True, kw_only=True)
class CardBlocked(Event):
    """A card is refused from now on (lost, stolen, replaced); the customer's balance is untouched."""

    card_uid: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PointsEarned(Event):
    """Points earned on a receipt; `lines` gives the per-category detail the points were computed from."""

    customer_id: str
    receipt_ref: str
    amount_cents: int
    points: int
    lines: tuple[EarnLine, ...] = ()
    card_uid: str | None = None


@dataclass(frozen=True, kw_only=True)
class EarnReversed(Event):
    """A refund took back points of an earlier earn, found by its event id (never more than it earned)."""

    customer_id: str
    earn_event_id: str
    receipt_ref: str
    refund_cents: int
    points: int


@dataclass(frozen=True, kw_only=True)
class PointsRedeemed(Event):
    """Points spent on a reward: an in-house catalogue item or a partner voucher."""

    customer_id: str
    reward_id: str
    reward_kind: str
    points: int
    quantity: int = 1


@dataclass(frozen=True, kw_only=True)
class RedemptionCancelled(Event):
    """A redemption undone at the till right after it: its points go back to the customer."""

    customer_id: str
    redemption_event_id: str
    points: int


@dataclass(frozen=True, kw_only=True)
class VoucherIssued(Event):
    """A partner voucher code was issued for a redemption (codes come from central's pool)."""

    customer_id: str
    redemption_event_id: str
    partner: str
    code: str
    face_value_cents: int


@dataclass(frozen=True, kw_only=True)
class PointsExpired(Event):
    """Points earned on or before `through_day` (YYYY-MM-DD) and not spent since have expired.

    Earlier points go first: what expires is what those days earned (net of refunds) minus everything
    redeemed or expired so far. The ledger never takes more than the balance holds.
    """

    customer_id: str
    points: int
    through_day: str


@dataclass(frozen=True, kw_only=True)
class CustomerErased(Event):
    """The customer's personal data is gone everywhere; the ledger keeps anonymous amounts."""

    customer_id: str


@dataclass(frozen=True, kw_only=True)
class PoolJoined(Event):
    """A customer's card now gives `share_pct` percent of each earn to a pool (household, works council)."""

    pool_id: str
    customer_id: str
    share_pct: int


@dataclass(frozen=True, kw_only=True)
class PoolLeft(Event):
    """A customer stopped giving to a pool; what was given before stays in the pool."""

    pool_id: str
    customer_id: str


@dataclass(frozen=True, kw_only=True)
class PoolContributed(Event):
    """Part of an earn went from the member to the pool, decided when the earn was recorded."""

    pool_id: str
    customer_id: str
    earn_event_id: str
    points: int


@dataclass(frozen=True, kw_only=True)
class PoolContributionReversed(Event):
    """A refund of a contributing earn: the pool gives its share of the refunded points back to the member."""

    pool_id: str
    customer_id: str
    earn_event_id: str
    points: int


@dataclass(frozen=True, kw_only=True)
class PoolRedeemed(Event):
    """The pool's points were spent on a reward, at the request of one of its members."""

    pool_id: str
    customer_id: str
    reward_id: str
    reward_kind: str
    points: int
    quantity: int = 1


@dataclass(frozen=True, kw_only=True)
class PointsAdjusted(Event):
    """Customer service added (`delta` > 0) or took back (`delta` < 0) points by hand, for the reason given.

    Added points are a lot of the adjustment's day (they expire like earned points); points taken back are a
    debit, never more than the balance holds. Only central makes this event.
    """

    customer_id: str
    delta: int
    reason: str


#: One lot moved by a merge: (earning day YYYY-MM-DD, points).
DayPoints = tuple[str, int]


@dataclass(frozen=True, kw_only=True)
class PointsMoved(Event):
    """A duplicate customer's points, lots and debits moved to another customer (a merge, or its undoing).

    The amounts are those central read when it made the event, so the fold is plain arithmetic on both
    customers and a merge followed by its undoing leaves both exactly as they were. Only central makes it.
    """

    from_customer_id: str
    customer_id: str
    #: The balance moved, below zero when the duplicate had overdrawn (its debt moves too).
    balance: int
    debits: int
    lots: tuple[DayPoints, ...] = ()
    merge_event_id: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        CustomerRegistered,
        ProfileUpdated,
        ConsentChanged,
        CardLinked,
        CardBlocked,
        PointsEarned,
        EarnReversed,
        PointsRedeemed,
        RedemptionCancelled,
        VoucherIssued,
        CustomerErased,
        PointsExpired,
        PoolJoined,
        PoolLeft,
        PoolContributed,
        PoolContributionReversed,
        PoolRedeemed,
        PointsAdjusted,
        PointsMoved,
    )
}

#: Fields that must be whole numbers >= 0 (cents, points, counts).
_NON_NEGATIVE = {"amount_cents", "points", "refund_cents", "face_value_cents", "quantity", "seq", "share_pct"}
#: Points one operation may move: far above any real receipt, far below what a 64-bit sum could overflow.
MAX_POINTS = 10_000_000
#: Cents of one receipt, refund or voucher (100 000 EUR, the till's own keying limit).
MAX_CENTS = 10_000_000
#: Sequence numbers stay exact in every JSON reader and in a 64-bit column.
MAX_SEQ = 2**53 - 1
#: The upper bound of each whole-number field, the same for every device and every central backend.
MAXIMUM = {
    "amount_cents": MAX_CENTS,
    "refund_cents": MAX_CENTS,
    "face_value_cents": MAX_CENTS,
    "points": MAX_POINTS,
    "quantity": 1000,
    "seq": MAX_SEQ,
}
_CHOICES = {"reward_kind": REWARD_KINDS, "channel": CONSENT_CHANNELS}
_MAX_TEXT = 500


def to_record(event: Event) -> dict[str, object]:
    """The event as a JSON-ready dict with its `type`."""
    record: dict[str, object] = {"type": event.type}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        record[f.name] = [list(line) for line in value] if f.name in ("lines", "lots") else value
    return record


def from_record(record: object) -> Event:
    """Rebuild an event from `to_record`'s dict, checking every field; raises InvalidEvent."""
    if not isinstance(record, dict):
        raise InvalidEvent(f"an event must be an object, got {type(record).__name__}")
    kind = record.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise InvalidEvent(f"unknown event type {kind!r}; allowed: {', '.join(sorted(EVENT_TYPES))}")
    cls = EVENT_TYPES[kind]
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(record) - set(fields) - {"type"}
    if unknown:
        raise InvalidEvent(f"{kind}: unknown field(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}  # each value checked against its field's type just below
    for name, f in fields.items():
        if name not in record:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InvalidEvent(f"{kind}: missing field {name!r}")
            continue
        values[name] = _check_field(kind, name, hints[name], record[name])
    _check_uuid(kind, "event_id", values.get("event_id"))
    if "share_pct" in values and not 1 <= values["share_pct"] <= 100:
        raise InvalidEvent(f"{kind}: share_pct must be from 1 to 100, got {values['share_pct']}")
    return cls(**values)


_HINTS: dict[type[Event], dict[str, object]] = {}


def _type_hints(cls: type[Event]) -> dict[str, object]:
    """The resolved field types of an event class (resolving them costs more than checking a record)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _check_uuid(kind: str, name: str, value: object) -> None:
    if value is None:
        return
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise InvalidEvent(f"{kind}: {name} {value!r} is not a UUID") from None


def _check_field(kind: str, name: str, hint: object, value: object) -> object:
    optional = _is_optional(hint)
    if value is None:
        if optional:
            return None
        raise InvalidEvent(f"{kind}: {name} cannot be empty")
    base = _strip_optional(hint)
    if name == "lines":
        return _check_lines(kind, value)
    if name == "lots":
        return _check_day_points(kind, value)
    if base is bool:
        if not isinstance(value, bool):
            raise InvalidEvent(f"{kind}: {name} must be true or false, got {value!r}")
        return value
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidEvent(f"{kind}: {name} must be a whole number, got {value!r}")
        if name in _NON_NEGATIVE and value < 0:
            raise InvalidEvent(f"{kind}: {name} cannot be negative, got {value}")
        if name in MAXIMUM and value > MAXIMUM[name]:
            raise InvalidEvent(f"{kind}: {name} cannot be above {MAXIMUM[name]}, got {value}")
        return value
    if base is str:
        if not isinstance(value, str):
            raise InvalidEvent(f"{kind}: {name} must be text, got {value!r}")
        if len(value) > _MAX_TEXT:
            raise InvalidEvent(f"{kind}: {name} is longer than {_MAX_TEXT} characters")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise InvalidEvent(f"{kind}: {name} {value!r} is not one of {', '.join(_CHOICES[name])}")
        return value
    raise InvalidEvent(f"{kind}: field {name} has an unsupported type")  # pragma: no cover


def _check_lines(kind: str, value: object) -> tuple[EarnLine, ...]:
    if not isinstance(value, (list, tuple)):
        raise InvalidEvent(f"{kind}: lines must be a list of [category, cents, points]")
    lines = []
    for line in value:
        ok = (
            isinstance(line, (list, tuple))
            and len(line) == 3
            and isinstance(line[0], str)
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in line[1:])
            and line[1] <= MAX_CENTS
            and line[2] <= MAX_POINTS
        )
        if not ok:
            raise InvalidEvent(
                f"{kind}: each line must be [category, cents 0..{MAX_CENTS}, points 0..{MAX_POINTS}], got {line!r}"
            )
        lines.append((line[0], line[1], line[2]))
    return tuple(lines)


def _check_day_points(kind: str, value: object) -> tuple[DayPoints, ...]:
    if not isinstance(value, (list, tuple)):
        raise InvalidEvent(f"{kind}: lots must be a list of [YYYY-MM-DD, points]")
    lots = []
    for lot in value:
        ok = (
            isinstance(lot, (list, tuple))
            and len(lot) == 2
            and isinstance(lot[0], str)
            and len(lot[0]) == 10
            and isinstance(lot[1], int)
            and not isinstance(lot[1], bool)
        )
        if not ok:
            raise InvalidEvent(f"{kind}: each lot must be [YYYY-MM-DD, whole points], got {lot!r}")
        lots.append((lot[0], lot[1]))
    return tuple(lots)


def _is_optional(hint: object) -> bool:
    return isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)


def _strip_optional(hint: object) -> object:
    if isinstance(hint, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0]
    return hint
