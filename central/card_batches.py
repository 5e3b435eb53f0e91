"""Card batches: card numbers with activation codes made for one sales channel, exported for card production.

A channel is `company` (sold in our shops), `partner` (sold by a named partner) or `online` (e-commerce).
A card is activated online with its code, or on first use: once a till links it to a customer, the next
report (or `mark_first_use`) records it. A plastic card's chip has its own UID, which card production
returns with the exported CSV (`import_chip_uids`): a tap of that chip then counts as first use of the batch
card. Every card's channel stays known, so sales are reported per channel.
Card numbers are 13 digits whose last is a Luhn check digit, so a mistyped number is caught at once.
"""

from __future__ import annotations

import csv
import hmac
import io
import logging
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, case, func, select

from central import card_faces, card_filter, csv_cells
from central.clock import utc_now
from central.errors import (
    ActivationCodeWrong,
    ActivationLocked,
    BadRequest,
    Conflict,
    NotFound,
    SemicolonCsv,
    SpreadsheetNotCsv,
)
from central.schema import batch_cards, card_batches, cards
from central.sql import Versions
from central.transactions import in_transaction
from loyalty.errors import (
    KioskError,
)

log = logging.getLogger(__name__)

CHANNELS = ("company", "partner", "online")
MAX_BATCH = 50_000
MAX_FAILED_ATTEMPTS = 5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_LENGTH = 8
NUMBER_DIGITS = 13
_PARTNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: ISO 14443-A UIDs are 4, 7 or 10 bytes, written as upper-case hex.
_CHIP_UID = re.compile(r"^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$")
MAX_IMPORT_ROWS = MAX_BATCH


@dataclass(frozen=True)
class CardBatch:
    batch_id: str
    channel: str
    partner: str | None
    size: int
    created_at: str
    note: str = ""


@dataclass(frozen=True)
class CardOrigin:
    """Where a card was sold and whether (and how) it was activated."""

    card_uid: str
    batch_id: str
    channel: str
    partner: str | None
    activated_at: str | None
    activated_via: str | None


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for `digits` (the same check as payment card numbers)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char) * (2 if index % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def is_card_number(text: str) -> bool:
    return len(text) == NUMBER_DIGITS and text.isdigit() and luhn_digit(text[:-1]) == text[-1]


def _new_number() -> str:
    body = str(secrets.randbelow(9 * 10 ** (NUMBER_DIGITS - 2)) + 10 ** (NUMBER_DIGITS - 2))
    return body + luhn_digit(body)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def check_request(channel: object, partner: object, size: object) -> tuple[str, str | None, int]:
    """A batch request's channel, partner and size, or BadRequest saying what is wrong."""
    if channel not in CHANNELS:
        raise BadRequest(f"channel must be one of {', '.join(CHANNELS)}")
    if channel == "partner":
        if not isinstance(partner, str) or not _PARTNER.match(partner):
            raise BadRequest("a partner batch needs partner: 1 to 64 letters, digits, '-' or '_'")
    elif partner not in (None, ""):
        raise BadRequest("partner is only for channel 'partner'")
    else:
        partner = None
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH:
        raise BadRequest(f"size must be a whole number from 1 to {MAX_BATCH}")
    return channel, partner, size  # type: ignore[return-value]


def create_batch(connection: Connection, channel: object, partner: object, size: object, note: str = "") -> CardBatch:
    """Make `size` new card numbers, none already known as a card or in another batch."""
    channel, partner, size = check_request(channel, partner, size)
    batch = CardBatch(str(uuid.uuid4()), channel, partner, size, utc_now(), note[:200])
    numbers: set[str] = set()
    while len(numbers) < size:
        wanted = {_new_number() for _ in range(size - len(numbers))} - numbers
        numbers |= wanted - _known_numbers(connection, sorted(wanted))
    connection.execute(
        card_batches.insert().values(
            batch_id=batch.batch_id,
            channel=channel,
            partner=partner,
            size=size,
            created_at=batch.created_at,
            note=batch.note,
        )
    )
    connection.execute(
        batch_cards.insert(),
        [{"card_uid": n, "batch_id": batch.batch_id, "activation_code": _new_code()} for n in sorted(numbers)],
    )
    card_filter.publish(connection)
    log.info("card batch %s: %d cards for channel %s", batch.batch_id, size, channel)
    return batch


def _known_numbers(connection: Connection, numbers: list[str]) -> set[str]:
    """Which of `numbers` are already a card or in a batch (asked in chunks: SQLite limits bound values)."""
    known: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for table in (batch_cards, cards):
            known |= set(connection.execute(select(table.c.card_uid).where(table.c.card_uid.in_(chunk))).scalars())
    return known


def list_batches(connection: Connection) -> list[CardBatch]:
    rows = connection.execute(select(card_batches).order_by(card_batches.c.created_at, card_batches.c.batch_id))
    return [CardBatch(r.batch_id, r.channel, r.partner, r.size, r.created_at, r.note) for r in rows]


def _batch(connection: Connection, batch_id: str):
    row = connection.execute(select(card_batches).where(card_batches.c.batch_id == batch_id)).first()
    if row is None:
        raise NotFound(f"no card batch {batch_id!r}")
    return row


def export_csv(connection: Connection, batch_id: str) -> str:
    """The batch for the card printer: one line per card with its number, activation code and channel."""
    batch = _batch(connection, batch_id)
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow(["card_number", "activation_code", "channel", "partner", "batch_id", "chip_uid"])
    for row in connection.execute(
        select(batch_cards.c.card_uid, batch_cards.c.activation_code, batch_cards.c.chip_uid)
        .where(batch_cards.c.batch_id == batch_id)
        .order_by(batch_cards.c.card_uid)
    ):
        writer.writerow(
            [row.card_uid, row.activation_code, batch.channel, batch.partner or "", batch_id, row.chip_uid or ""]
        )
    return out.getvalue()


def normalise_chip_uid(text: str) -> str:
    """A chip UID as the reader reports it: upper-case hex, separators (':', '-', spaces) dropped."""
    return re.sub(r"[\s:-]", "", text).upper()


def import_chip_uids(connection: Connection, batch_id: str, csv_text: str) -> int:
    """Record the chip UID of each card number from card production's CSV; all rows or none.

    The CSV needs the columns `card_number` and `chip_uid` (the exported file with `chip_uid` filled in does);
    rows with an empty chip UID are passed over. Returns how many cards got a new or changed chip UID.
    """
    _batch(connection, batch_id)
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"card_number", "chip_uid"} <= {f.strip() for f in reader.fieldnames}:
        raise BadRequest("the CSV needs a header line with the columns card_number and chip_uid")
    wanted: dict[str, str] = {}
    chips: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        number, chip = row.get("card_number", ""), normalise_chip_uid(row.get("chip_uid", ""))
        if not chip:
            continue
        if len(wanted) >= MAX_IMPORT_ROWS:
            raise BadRequest(f"at most {MAX_IMPORT_ROWS} cards per import")
        if not is_card_number(number):
            raise BadRequest(f"line {line}: {number!r} is not a card number")
        if not _CHIP_UID.match(chip):
            raise BadRequest(f"line {line}: a chip UID is 8, 14 or 20 hex digits")
        if wanted.get(number, chip) != chip:
            raise BadRequest(f"line {line}: card {number} is given two chip UIDs")
        if chips.get(chip, number) != number:
            raise BadRequest(f"line {line}: chip {chip} is given to two cards")
        wanted[number], chips[chip] = chip, number
    numbers = sorted(wanted)
    current: dict[str, str | None] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for row in connection.execute(
            select(batch_cards.c.card_uid, batch_cards.c.chip_uid).where(
                batch_cards.c.batch_id == batch_id, batch_cards.c.card_uid.in_(chunk)
            )
        ):
            current[row.card_uid] = row.chip_uid
    outside = [n for n in numbers if n not in current]
    if outside:
        raise BadRequest(f"{len(outside)} card number(s) are not in this batch, e.g. {outside[0]}")
    taken = _chips_elsewhere(connection, chips)
    if taken:
        raise Conflict(f"{len(taken)} chip UID(s) already belong to another card, e.g. {taken[0]}")
    changed = [n for n in numbers if current[n] != wanted[n]]
    if changed:
        # Clear first, so chips swapped between two cards of this import never collide on the unique index.
        connection.execute(
            batch_cards.update().where(batch_cards.c.card_uid == bindparam("number")).values(chip_uid=None),
            [{"number": n} for n in changed],
        )
        connection.execute(
            batch_cards.update()
            .where(batch_cards.c.card_uid == bindparam("number"))
            .values(chip_uid=bindparam("chip")),
            [{"number": n, "chip": wanted[n]} for n in changed],
        )
        versions = Versions(connection)
        card_faces.mirror(connection, numbers, versions)  # cards already linked get their chip face now
        versions.save()
        card_filter.publish(connection)
    log.info("card batch %s: %d chip UID(s) recorded", batch_id, len(changed))
    return len(changed)


def _chips_elsewhere(connection: Connection, chips: dict[str, str]) -> list[str]:
    """Chip UIDs of `chips` held by a different batch card, or already a card number of their own."""
    taken: list[str] = []
    uids = sorted(chips)
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        for row in connection.execute(
            select(batch_cards.c.chip_uid, batch_cards.c.card_uid).where(batch_cards.c.chip_uid.in_(chunk))
        ):
            if chips[row.chip_uid] != row.card_uid:
                taken.append(row.chip_uid)
        taken += connection.execute(select(batch_cards.c.card_uid).where(batch_cards.c.card_uid.in_(chunk))).scalars()
    return sorted(set(taken))


def activate_online(engine: Engine, card_number: object, code: object) -> CardOrigin:
    """Activate a card with the code printed on it; a few wrong codes lock online activation of that card.

    A wrong code is counted in its own committed transaction before it is refused (a refusal raised inside
    the transaction would roll the count back).
    """
    outcome = in_transaction(engine, lambda c: _attempt_activation(c, card_number, code))
    if isinstance(outcome, KioskError):
        raise outcome
    return outcome


def _attempt_activation(connection: Connection, card_number: object, code: object) -> CardOrigin | KioskError:
    if not isinstance(card_number, str) or not is_card_number(card_number.strip()):
        raise BadRequest(f"a card number is {NUMBER_DIGITS} digits; check the number on the card")
    if not isinstance(code, str) or not code.strip():
        raise BadRequest("the activation code is missing")
    card_number, code = card_number.strip(), code.strip().upper()
    row = connection.execute(select(batch_cards).where(batch_cards.c.card_uid == card_number)).first()
    if row is None:
        raise NotFound("this card number is not one of ours; check the number on the card")
    if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise ActivationLocked("too many wrong codes for this card: activate it at a till instead")
    if not hmac.compare_digest(row.activation_code.encode(), code.encode()):
        connection.execute(
            batch_cards.update()
            .where(batch_cards.c.card_uid == card_number)
            .values(failed_attempts=batch_cards.c.failed_attempts + 1)
        )
        left = MAX_FAILED_ATTEMPTS - row.failed_attempts - 1
        log.info("wrong activation code for a card of batch %s (%d tries left)", row.batch_id, left)
        return ActivationCodeWrong(f"the activation code does not match this card ({left} tries left)")
    if row.activated_at is None:
        connection.execute(
            batch_cards.update()
            .where(batch_cards.c.card_uid == card_number)
            .values(activated_at=utc_now(), activated_via="online", failed_attempts=0)
        )
    return origin(connection, card_number)


def mark_first_use(connection: Connection) -> int:
    """Record as activated every batch card a till has linked to a customer; returns how many were new."""
    linked = select(cards.c.card_uid).where(cards.c.customer_id.is_not(None))
    result = connection.execute(
        batch_cards.update()
        .where(
            batch_cards.c.activated_at.is_(None),
            batch_cards.c.card_uid.in_(linked) | batch_cards.c.chip_uid.in_(linked),
        )
        .values(activated_at=utc_now(), activated_via="first_use")
    )
    return result.rowcount or 0


def origin(connection: Connection, card_uid: str) -> CardOrigin:
    """The channel a card was sold through and its activation, by card number or chip UID; NotFound for cards
    not from a batch."""
    mark_first_use(connection)
    row = connection.execute(
        select(batch_cards, card_batches.c.channel, card_batches.c.partner)
        .join(card_batches, card_batches.c.batch_id == batch_cards.c.batch_id)
        .where((batch_cards.c.card_uid == card_uid) | (batch_cards.c.chip_uid == normalise_chip_uid(card_uid)))
    ).first()
    if row is None:
        raise NotFound(f"card {card_uid!r} was not made in a card batch")
    return CardOrigin(row.card_uid, row.batch_id, row.channel, row.partner, row.activated_at, row.activated_via)


def report(connection: Connection) -> list[dict[str, object]]:
    """Per channel and partner: cards made, activated online, activated on first use, still waiting."""
    mark_first_use(connection)
    query = (
        select(card_batches.c.channel, card_batches.c.partner, batch_cards.c.activated_via, func.count())
        .join(card_batches, card_batches.c.batch_id == batch_cards.c.batch_id)
        .group_by(card_batches.c.channel, card_batches.c.partner, batch_cards.c.activated_via)
    )
    lines: dict[tuple[str, str | None], dict[str, object]] = {}
    for channel, partner, via, count in connection.execute(query):
        line = lines.setdefault(
            (channel, partner),
            {
                "channel": channel,
                "partner": partner,
                "cards": 0,
                "activated_online": 0,
                "activated_first_use": 0,
                "not_activated": 0,
            },
        )
        line["cards"] += count  # type: ignore[operator]
        key = {"online": "activated_online", "first_use": "activated_first_use"}.get(via, "not_activated")
        line[key] += count  # type: ignore[operator]
    return sorted(lines.values(), key=lambda row: (CHANNELS.index(row["channel"]), row["partner"] or ""))


#: File signatures of spreadsheets people upload instead of a CSV: xlsx/ods (zip) and the old xls.
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def production_file_text(raw: bytes) -> str:
    """Card production's file as CSV text, or a refusal that says how to save it right (same rule for the page
    and the admin API)."""
    if raw.startswith(_SPREADSHEET_MAGIC):
        raise SpreadsheetNotCsv("this is a spreadsheet, not a CSV file: save it as CSV (comma-separated) first")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("the file is not UTF-8 text: save it as CSV UTF-8 (comma-separated)") from None
    header = text.split("\n", 1)[0]
    if ";" in header and "," not in header:
        raise SemicolonCsv(
            "this CSV is separated by semicolons: save it with commas, or export it again from the card batch page"
        )
    return text


@dataclass(frozen=True)
class BatchProgress:
    """One batch as the back office lists it: how many cards were activated, and how, and how many are locked."""

    batch: CardBatch
    activated_online: int
    activated_first_use: int
    locked: int
    chips: int

    @property
    def waiting(self) -> int:
        return self.batch.size - self.activated_online - self.activated_first_use


def progress(connection: Connection) -> list[BatchProgress]:
    """Every batch with its activation progress, newest first."""
    mark_first_use(connection)
    counts: dict[str, dict[str, int]] = {}
    query = select(
        batch_cards.c.batch_id,
        batch_cards.c.activated_via,
        func.sum(case((batch_cards.c.failed_attempts >= MAX_FAILED_ATTEMPTS, 1), else_=0)),
        func.count(batch_cards.c.chip_uid),
        func.count(),
    ).group_by(batch_cards.c.batch_id, batch_cards.c.activated_via)
    for batch_id, via, locked, chips, count in connection.execute(query):
        line = counts.setdefault(batch_id, {"online": 0, "first_use": 0, "locked": 0, "chips": 0})
        if via in ("online", "first_use"):
            line[via] += count
        line["locked"] += int(locked or 0)
        line["chips"] += chips
    kinds = ("online", "first_use", "locked", "chips")
    return [
        BatchProgress(b, *(counts.get(b.batch_id, {}).get(kind, 0) for kind in kinds))
        for b in reversed(list_batches(connection))
    ]


def unlock(connection: Connection, card_number: str) -> str:
    """Let a card locked by wrong codes be activated online again (the shopper called, the number checked)."""
    number = card_faces.normalise(card_number) if isinstance(card_number, str) else ""
    if not is_card_number(number):
        raise BadRequest(f"a card number is {NUMBER_DIGITS} digits; check the number on the card")
    row = connection.execute(select(batch_cards.c.failed_attempts).where(batch_cards.c.card_uid == number)).first()
    if row is None:
        raise NotFound("this card number is not one of ours; check the number on the card")
    connection.execute(batch_cards.update().where(batch_cards.c.card_uid == number).values(failed_attempts=0))
    return number
