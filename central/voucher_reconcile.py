"""Codes issued = redemptions recorded: confirm a code when its redemption arrives, release one that never does.

`POST /api/vouchers/issue` ties a code to a redemption id before the till records anything. When the till
never records it (the answer was lost and the cashier gave up, the points were spent meanwhile), the
redemption never reaches central and the code would stay issued to nobody. A code is confirmed when its
redemption is pushed; one still unconfirmed `release_after_s` after issue goes back to the pool, with an
audit row. `reconcile` lists what does not match, for the back office and `kiosk central vouchers check`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select

from central.clock import utc_now, utc_seconds_ago
from central.schema import events, voucher_codes

log = logging.getLogger(__name__)

#: An issued code whose redemption has not reached central after this long goes back to the pool.
RELEASE_AFTER_S = 48 * 3600
#: The events that spend points on a reward: a member's own, or a pool's at a member's request.
REDEMPTIONS = ("PointsRedeemed", "PoolRedeemed")
#: At most this many codes are released per call, so an issue never waits on a long sweep.
RELEASE_BATCH = 100


@dataclass(frozen=True)
class Mismatch:
    """One line of the reconcile check: what is wrong, the partner, the code and the redemption id."""

    kind: str  # "code_without_redemption", "redemption_without_code", "code_differs"
    partner: str
    code: str
    redemption_event_id: str
    device_id: str


def _unconfirmed_before(cutoff: str) -> tuple:
    """Codes issued before `cutoff` whose redemption central has not recorded."""
    return (
        voucher_codes.c.issued_at.is_not(None),
        voucher_codes.c.confirmed_at.is_(None),
        voucher_codes.c.issued_at < cutoff,
    )


def confirm(connection: Connection, redemption_ids: Iterable[str]) -> None:
    """The redemptions arrived at central: their codes are confirmed and will never be released."""
    ids = sorted(set(redemption_ids))
    if ids:
        connection.execute(
            voucher_codes.update()
            .where(voucher_codes.c.redemption_event_id.in_(ids), voucher_codes.c.confirmed_at.is_(None))
            .values(confirmed_at=utc_now())
        )


def release_unconfirmed(
    connection: Connection,
    partner: str | None = None,
    *,
    release_after_s: int = RELEASE_AFTER_S,
    actor: str = "central",
) -> list[str]:
    """Put back in the pool the codes issued `release_after_s` ago whose redemption never came; audited."""
    from central.backoffice import audit  # the back office's package loads its views, which load this module

    cutoff = utc_seconds_ago(release_after_s)
    query = (
        select(voucher_codes)
        .where(*_unconfirmed_before(cutoff))
        .order_by(voucher_codes.c.issued_at)
        .limit(RELEASE_BATCH)
    )
    if partner is not None:
        query = query.where(voucher_codes.c.partner == partner)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = connection.execute(query).all()
    if not rows:
        return []
    arrived = set(
        connection.execute(
            select(events.c.event_id).where(events.c.event_id.in_([r.redemption_event_id for r in rows]))
        ).scalars()
    )
    released = []
    for row in rows:
        if row.redemption_event_id in arrived:  # pushed before confirmation existed: confirm, never release
            confirm(connection, [row.redemption_event_id])
            continue
        connection.execute(
            voucher_codes.update()
            .where(
                and_(
                    voucher_codes.c.partner == row.partner,
                    voucher_codes.c.code == row.code,
                    voucher_codes.c.redemption_event_id == row.redemption_event_id,
                )
            )
            .values(issued_at=None, customer_id=None, device_id=None, redemption_event_id=None)
        )
        audit.record(
            connection,
            actor,
            "voucher_released",
            f"{row.partner}/{row.code}",
            {"redemption_event_id": row.redemption_event_id, "device_id": row.device_id, "issued_at": row.issued_at},
            None,
        )
        released.append(row.code)
    if released:
        log.warning("%d voucher code(s) released: their redemption never reached central", len(released))
    return released


def reconcile(connection: Connection, *, grace_s: int = RELEASE_AFTER_S) -> list[Mismatch]:
    """Every mismatch between codes issued and redemptions recorded (codes still within `grace_s` are not)."""
    found: list[Mismatch] = []
    cutoff = utc_seconds_ago(grace_s)
    for row in connection.execute(
        select(voucher_codes).where(*_unconfirmed_before(cutoff)).order_by(voucher_codes.c.issued_at)
    ):
        found.append(
            Mismatch("code_without_redemption", row.partner, row.code, row.redemption_event_id, row.device_id or "")
        )
    codes = {
        row.redemption_event_id: row
        for row in connection.execute(select(voucher_codes).where(voucher_codes.c.redemption_event_id.is_not(None)))
    }
    for device_id, payload in connection.execute(
        select(events.c.device_id, events.c.payload)
        .where(events.c.type.in_(REDEMPTIONS + ("VoucherIssued",)))
        .order_by(events.c.id)
    ):
        record = json.loads(payload)
        if record["type"] in REDEMPTIONS:
            if record.get("reward_kind") == "partner_voucher" and record["event_id"] not in codes:
                found.append(Mismatch("redemption_without_code", "", "", record["event_id"], device_id))
            continue
        held = codes.get(record["redemption_event_id"])
        if held is None or held.code != record["code"] or held.partner != record["partner"]:
            found.append(
                Mismatch("code_differs", record["partner"], record["code"], record["redemption_event_id"], device_id)
            )
    return found
