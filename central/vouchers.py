"""Partner voucher code pools: imported from CSV, issued one at a time, exported for reconciliation.

Issuing takes one free code under a row lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite holds its
write lock for the whole transaction), so two central instances never hand out the same code. Issuing
is keyed by the redemption's event id: asking again for the same redemption gives the same code. Before
taking a free code, codes whose redemption never arrived are released (`central.voucher_reconcile`).
"""

from __future__ import annotations

import csv
import io
import logging
import re

from sqlalchemy import Connection, func, select

from central import csv_cells
from central.clock import utc_now
from central.errors import BadRequest, NotFound, VoucherPoolEmpty
from central.schema import voucher_codes
from central.sql import insert_for
from central.voucher_reconcile import RELEASE_AFTER_S, release_unconfirmed
from loyalty.domain.rewards import IssuedVoucher

log = logging.getLogger(__name__)

_PARTNER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
MAX_IMPORT_ROWS = 100_000


def check_partner(partner: object) -> str:
    if not isinstance(partner, str) or not _PARTNER.match(partner):
        raise BadRequest("partner must be 1 to 64 letters, digits, '-' or '_'")
    return partner


def parse_codes_csv(text: str) -> list[tuple[str, int]]:
    """Rows of `code,face_value_cents` (header line required); any bad line refuses the whole file."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != ["code", "face_value_cents"]:
        raise BadRequest("the CSV must start with the header line: code,face_value_cents")
    rows = []
    for number, line in enumerate(reader, start=2):
        if not line:
            continue
        if len(line) != 2 or not _CODE.match(line[0].strip()) or not line[1].strip().isdigit():
            raise BadRequest(
                f"CSV line {number}: expected code,face_value_cents (a code of letters/digits and "
                "a whole number of cents); nothing was imported"
            )
        cents = int(line[1].strip())
        if not 0 < cents <= 10_000_000:
            raise BadRequest(f"CSV line {number}: face value must be 1 to 10000000 cents; nothing was imported")
        rows.append((line[0].strip(), cents))
        if len(rows) > MAX_IMPORT_ROWS:
            raise BadRequest(f"at most {MAX_IMPORT_ROWS} codes per import; nothing was imported")
    return rows


def import_codes(connection: Connection, partner: str, rows: list[tuple[str, int]]) -> tuple[int, int]:
    """Add codes to a partner's pool; returns (added, already present). Codes already known are left as they are."""
    partner = check_partner(partner)
    if not rows:
        return 0, 0
    now = utc_now()
    statement = (
        insert_for(connection, voucher_codes)
        .on_conflict_do_nothing(index_elements=["partner", "code"])
        .returning(voucher_codes.c.code)
    )
    added = len(
        list(
            connection.execute(
                statement,
                [
                    {"partner": partner, "code": code, "face_value_cents": cents, "imported_at": now}
                    for code, cents in rows
                ],
            ).scalars()
        )
    )
    log.info("partner %s: %d voucher codes added, %d already present", partner, added, len(rows) - added)
    return added, len(rows) - added


def issue(
    connection: Connection,
    partner: str,
    customer_id: str,
    device_id: str,
    redemption_event_id: str,
    release_after_s: int = RELEASE_AFTER_S,
) -> IssuedVoucher:
    """One code for this redemption: the one already issued for it, else a free one taken under lock."""
    partner = check_partner(partner)
    existing = connection.execute(
        select(voucher_codes).where(voucher_codes.c.redemption_event_id == redemption_event_id)
    ).first()
    if existing is not None:
        if existing.partner != partner:
            raise BadRequest("this redemption already has a voucher of another partner")
        return IssuedVoucher(existing.partner, existing.code, existing.face_value_cents, redemption_event_id)
    release_unconfirmed(connection, partner, release_after_s=release_after_s)
    query = (
        select(voucher_codes.c.code, voucher_codes.c.face_value_cents)
        .where(voucher_codes.c.partner == partner, voucher_codes.c.issued_at.is_(None))
        .order_by(voucher_codes.c.code)
        .limit(1)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = connection.execute(query).first()
    if row is None:
        raise VoucherPoolEmpty(f"no {partner} voucher code is left; import more codes for this partner")
    connection.execute(
        voucher_codes.update()
        .where(
            voucher_codes.c.partner == partner, voucher_codes.c.code == row.code, voucher_codes.c.issued_at.is_(None)
        )
        .values(
            issued_at=utc_now(), customer_id=customer_id, device_id=device_id, redemption_event_id=redemption_event_id
        )
    )
    log.info("partner %s voucher issued to device %s", partner, device_id)
    return IssuedVoucher(partner, row.code, row.face_value_cents, redemption_event_id)


def issued_csv(connection: Connection, partner: str) -> str:
    """The partner's issued codes as CSV (code, face value, when, which device, which redemption)."""
    partner = check_partner(partner)
    known = connection.execute(
        select(func.count()).select_from(voucher_codes).where(voucher_codes.c.partner == partner)
    ).scalar_one()
    if not known:
        raise NotFound(f"no voucher codes were imported for partner {partner!r}")
    out = io.StringIO()
    writer = csv_cells.writer(out)
    writer.writerow(["code", "face_value_cents", "issued_at", "device_id", "redemption_event_id"])
    for row in connection.execute(
        select(voucher_codes)
        .where(voucher_codes.c.partner == partner, voucher_codes.c.issued_at.is_not(None))
        .order_by(voucher_codes.c.issued_at, voucher_codes.c.code)
    ):
        writer.writerow([row.code, row.face_value_cents, row.issued_at, row.device_id, row.redemption_event_id])
    return out.getvalue()


def pool_counts(connection: Connection, partner: str) -> dict[str, int]:
    rows = connection.execute(
        select(voucher_codes.c.issued_at.is_(None), func.count())
        .where(voucher_codes.c.partner == check_partner(partner))
        .group_by(voucher_codes.c.issued_at.is_(None))
    ).all()
    counts = {"free": 0, "issued": 0}
    for free, n in rows:
        counts["free" if free else "issued"] += n
    return counts
