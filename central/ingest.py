"""Push: store a batch of device events exactly once and fold the new ones into customers, cards, earns.

Events are inserted by UUID with ON CONFLICT DO NOTHING, so a batch sent twice (a retry after a cut
connection, or through another central instance) is stored once. Only the rows actually inserted are
folded, with the domain's own `Ledger` seeded from the current rows, so central's balances are the
same fold the devices use. Each customer's lots (points by earning day) and debits are seeded and written
back the same way, compacted (`loyalty.domain.lots`), so devices can tell what expires and which tier applies.
A batch holding several devices' events is folded in the order they happened (`central.event_order`).
What the new events moved is added to the report totals (`central.report_totals`) in the same
transaction. A redemption that overdraws is kept and flagged for review; so is a second earn of a receipt
already credited in the same store (`central.receipts`), which is kept but not credited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, func, select, update

from central import card_faces, customer_scope
from central.card_claims import hold_conflicting_links
from central.clock import utc_now, utc_today
from central.customer_search import refresh_keys
from central.event_order import in_happened_order
from central.receipts import claim as claim_receipts
from central.report_totals import ReportTally, add_to_totals
from central.schema import cards, customers, devices, earns, events, pool_balances, pool_memberships
from central.sequence_gaps import run_end
from central.sql import Versions, insert_for
from central.voucher_reconcile import confirm as confirm_voucher_codes
from loyalty.domain.events import (
    CardBlocked,
    CardLinked,
    CustomerErased,
    CustomerRegistered,
    EarnReversed,
    Event,
    PointsEarned,
    PointsMoved,
    PointsRedeemed,
    PoolContributed,
    PoolJoined,
    PoolLeft,
    PoolRedeemed,
    ProfileUpdated,
    from_record,
    to_record,
)
from loyalty.domain.ledger import Consent, Customer, EarnRecord, Ledger
from loyalty.domain.lots import compact, keep_from, lots_from_json, lots_to_json

log = logging.getLogger(__name__)

#: Events whose payload holds personal data, scrubbed when their customer is erased.
PERSONAL_EVENTS = {"CustomerRegistered", "ProfileUpdated"}
_PERSONAL_FIELDS = ("first_name", "last_name", "phone", "email")


@dataclass(frozen=True)
class PushResult:
    """What central holds after a push: every id of the batch, how many were new, and its review flags."""

    acknowledged: tuple[str, ...]
    inserted: int
    flagged: tuple[str, ...]
    seq_through: int | None
    #: Cards this batch linked that central holds for another customer: not moved, kept for review.
    card_claims: tuple[str, ...] = ()


def ingest(connection: Connection, batch: Sequence[Event], device_id: str | None) -> PushResult:
    """Insert and fold a validated batch inside the caller's transaction."""
    ordered = sorted(batch, key=lambda e: e.event_id)  # one lock order for every instance: no deadlock
    received = utc_now()
    rows = [
        {
            "event_id": e.event_id,
            "device_id": e.device_id,
            "seq": e.seq,
            "type": e.type,
            "customer_id": getattr(e, "customer_id", None),
            "received_at": received,
            "payload": json.dumps(to_record(e), separators=(",", ":")),
            "review": False,
        }
        for e in ordered
    ]
    inserted: set[str] = set()
    if rows:
        statement = (
            insert_for(connection, events)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(events.c.event_id)
        )
        inserted = set(connection.execute(statement, rows).scalars())
    versions = Versions(connection)
    fresh = in_happened_order(e for e in ordered if e.event_id in inserted)
    repeats = claim_receipts(connection, [e for e in fresh if isinstance(e, PointsEarned)])
    if repeats:
        fresh = [
            e
            for e in fresh
            if e.event_id not in repeats and not (isinstance(e, PoolContributed) and e.earn_event_id in repeats)
        ]
        connection.execute(update(events).where(events.c.event_id.in_(repeats)).values(review=True))
    fresh, claims = hold_conflicting_links(connection, fresh)
    flagged = _fold(connection, fresh, versions) + sorted(repeats)
    confirm_voucher_codes(
        connection,
        [
            e.event_id
            for e in fresh
            if isinstance(e, (PointsRedeemed, PoolRedeemed)) and e.reward_kind == "partner_voucher"
        ],
    )
    versions.save()
    seq_through = advance_seq_through(connection, device_id) if device_id else None
    return PushResult(
        tuple(e.event_id for e in batch), len(inserted), tuple(flagged), seq_through, tuple(c.card_uid for c in claims)
    )


def advance_seq_through(connection: Connection, device_id: str) -> int:
    """Move the device's gap-free high-water mark over the sequence numbers central now holds."""
    start = connection.execute(select(devices.c.seq_through).where(devices.c.device_id == device_id)).scalar_one()
    through = run_end(connection, device_id, start)  # numbers recorded as lost count as held
    if through != start:
        connection.execute(
            devices.update()
            .where(devices.c.device_id == device_id, devices.c.seq_through < through)
            .values(seq_through=through)
        )
    return through


def _fold(connection: Connection, fresh: list[Event], versions: Versions) -> list[str]:
    if not fresh:
        return []
    customer_ids = {e.customer_id for e in fresh if hasattr(e, "customer_id")}
    customer_ids |= {e.from_customer_id for e in fresh if isinstance(e, PointsMoved)}  # both sides of a merge
    ledger = _seed_ledger(connection, customer_ids, fresh)
    pool_ids = {e.pool_id for e in fresh if hasattr(e, "pool_id")}
    members = {e.customer_id for e in fresh if isinstance(e, (PoolJoined, PoolLeft))}
    _seed_pools(connection, ledger, pool_ids, members)
    known_earns = set(ledger.earns)
    tally = ReportTally()
    tally.fold(ledger, fresh)
    add_to_totals(connection, tally)
    _write_customers(connection, ledger, customer_ids, versions)
    refresh_keys(connection, ledger, fresh)
    _write_cards(connection, fresh, ledger, versions)
    _write_pools(connection, ledger, pool_ids, members, versions)
    customer_scope.touch_activity(connection, fresh, versions)
    _write_earns(connection, ledger, known_earns)
    erased_now = {e.customer_id for e in fresh if isinstance(e, CustomerErased)}
    erased_then = {
        e.customer_id
        for e in fresh
        if isinstance(e, (CustomerRegistered, ProfileUpdated))
        and ledger.customers.get(e.customer_id, Customer(e.customer_id)).erased
    }
    for customer_id in erased_now | erased_then:
        scrub_personal_events(connection, customer_id)
    if ledger.overdrawn:
        connection.execute(update(events).where(events.c.event_id.in_(ledger.overdrawn)).values(review=True))
        log.warning("%d redemption(s) overdraw a balance and are flagged for review", len(ledger.overdrawn))
    if ledger.over_refunded:  # the sum of a receipt's refunds never exceeds it: the excess was not taken back
        connection.execute(update(events).where(events.c.event_id.in_(ledger.over_refunded)).values(review=True))
        log.warning("%d refund(s) go beyond what their receipt had left and are flagged", len(ledger.over_refunded))
    return ledger.overdrawn + ledger.over_refunded


def _seed_ledger(connection: Connection, customer_ids: set[str], fresh: list[Event]) -> Ledger:
    ledger = Ledger()
    if customer_ids:
        for row in connection.execute(select(customers).where(customers.c.customer_id.in_(customer_ids))):
            consent = None
            if row.consent_granted is not None:
                consent = Consent(row.consent_granted, row.consent_version, row.consent_at, row.consent_channel)
            ledger.customers[row.customer_id] = Customer(
                row.customer_id, row.first_name, row.last_name, row.phone, row.email, consent, row.erased
            )
            ledger.balances[row.customer_id] = row.points
            ledger.lots[row.customer_id] = lots_from_json(row.lots)
            ledger.debits[row.customer_id] = row.debits
    earn_ids = {e.earn_event_id for e in fresh if isinstance(e, EarnReversed)}
    if earn_ids:
        for row in connection.execute(select(earns).where(earns.c.event_id.in_(earn_ids))):
            ledger.earns[row.event_id] = EarnRecord(
                row.event_id,
                row.customer_id,
                row.receipt_ref,
                row.amount_cents,
                row.points,
                row.refunded_cents,
                row.reversed_points,
            )
        # A refund takes its points from the lot of the day its earn was made, which only the earn's event says.
        for event_id, payload in connection.execute(
            select(events.c.event_id, events.c.payload).where(
                events.c.event_id.in_(set(ledger.earns)), events.c.type == "PointsEarned"
            )
        ):
            ledger.earn_days[event_id] = json.loads(payload)["at"][:10]
    return ledger


def _seed_pools(connection: Connection, ledger: Ledger, pool_ids: set[str], members: set[str]) -> None:
    """Current pool balances and the memberships of customers joining or leaving, as the fold's start."""
    if pool_ids:
        for row in connection.execute(select(pool_balances).where(pool_balances.c.pool_id.in_(pool_ids))):
            ledger.pool_balances[row.pool_id] = row.points
    if members:
        for row in connection.execute(
            select(pool_memberships).where(
                pool_memberships.c.customer_id.in_(members), pool_memberships.c.pool_id.is_not(None)
            )
        ):
            ledger.pool_members.setdefault(row.pool_id, {})[row.customer_id] = row.share_pct
            ledger.member_pool[row.customer_id] = row.pool_id


def _write_pools(
    connection: Connection, ledger: Ledger, pool_ids: set[str], members: set[str], versions: Versions
) -> None:
    """Upsert the touched pools' balances and memberships, each with a new version for the pull."""
    if pool_ids:
        rows = [{"pool_id": p, "points": ledger.pool_balance(p), "version": versions.next()} for p in sorted(pool_ids)]
        statement = insert_for(connection, pool_balances)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["pool_id"],
                set_={"points": statement.excluded.points, "version": statement.excluded.version},
            ),
            rows,
        )
    if members:
        rows = []
        for cid in sorted(members):
            membership = ledger.pool_of(cid)
            rows.append(
                {
                    "customer_id": cid,
                    "pool_id": membership[0] if membership else None,
                    "share_pct": membership[1] if membership else 0,
                    "version": versions.next(),
                }
            )
        statement = insert_for(connection, pool_memberships)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["customer_id"],
                set_={name: statement.excluded[name] for name in ("pool_id", "share_pct", "version")},
            ),
            rows,
        )


def _write_customers(connection: Connection, ledger: Ledger, customer_ids: set[str], versions: Versions) -> None:
    rows = []
    oldest_kept = keep_from(utc_today())
    for customer_id in sorted(customer_ids):
        c = ledger.customers.get(customer_id, Customer(customer_id))
        lots, debits = compact(ledger.lots.get(customer_id, {}), ledger.debits.get(customer_id, 0), oldest_kept)
        rows.append(
            {
                "customer_id": customer_id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "phone": c.phone,
                "email": c.email,
                "consent_granted": c.consent.granted if c.consent else None,
                "consent_version": c.consent.text_version if c.consent else None,
                "consent_at": c.consent.at if c.consent else None,
                "consent_channel": c.consent.channel if c.consent else None,
                "erased": c.erased,
                "points": ledger.balance(customer_id),
                "version": versions.next(),
                "lots": lots_to_json(lots),
                "debits": debits,
            }
        )
    if rows:
        statement = insert_for(connection, customers)
        statement = statement.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={name: statement.excluded[name] for name in rows[0] if name != "customer_id"},
        )
        connection.execute(statement, rows)


def _write_cards(connection: Connection, fresh: list[Event], ledger: Ledger, versions: Versions) -> None:
    touched = [e for e in fresh if isinstance(e, (CardLinked, CardBlocked))]
    if not touched:
        return
    rows = {}
    for uid in dict.fromkeys(e.card_uid for e in touched):
        rows[uid] = {
            "card_uid": uid,
            "customer_id": ledger.cards.get(uid),
            "blocked": uid in ledger.blocked_cards,
            "version": versions.next(),
        }
    statement = insert_for(connection, cards)
    statement = statement.on_conflict_do_update(
        index_elements=["card_uid"],
        set_={
            # A card keeps its owner unless this batch linked it; once blocked it stays blocked.
            "customer_id": func.coalesce(statement.excluded.customer_id, cards.c.customer_id),
            "blocked": cards.c.blocked | statement.excluded.blocked,
            "version": statement.excluded.version,
        },
    )
    connection.execute(statement, list(rows.values()))
    card_faces.mirror(connection, rows, versions)  # the card's other face (chip or printed number) follows


def _write_earns(connection: Connection, ledger: Ledger, known: set[str]) -> None:
    new_rows = [_earn_row(r) for eid, r in ledger.earns.items() if eid not in known]
    if new_rows:
        connection.execute(insert_for(connection, earns).on_conflict_do_nothing(index_elements=["event_id"]), new_rows)
    changed = [_earn_row(r) for eid, r in ledger.earns.items() if eid in known]
    if changed:
        connection.execute(
            update(earns)
            .where(earns.c.event_id == bindparam("b_event_id"))
            .values(refunded_cents=bindparam("b_refunded"), reversed_points=bindparam("b_reversed")),
            [
                {"b_event_id": r["event_id"], "b_refunded": r["refunded_cents"], "b_reversed": r["reversed_points"]}
                for r in changed
            ],
        )


def _earn_row(record: EarnRecord) -> dict[str, object]:
    return {
        "event_id": record.event_id,
        "customer_id": record.customer_id,
        "receipt_ref": record.receipt_ref,
        "amount_cents": record.amount_cents,
        "points": record.points,
        "refunded_cents": record.refunded_cents,
        "reversed_points": record.reversed_points,
    }


def scrub_personal_events(connection: Connection, customer_id: str) -> int:
    """Blank the personal fields of an erased customer's events; amounts and ids stay for the ledger."""
    rows = connection.execute(
        select(events.c.id, events.c.payload).where(
            and_(events.c.customer_id == customer_id, events.c.type.in_(PERSONAL_EVENTS))
        )
    ).all()
    changed = []
    for row in rows:
        record = json.loads(row.payload)
        scrubbed = {**record, **{k: None for k in _PERSONAL_FIELDS if k in record}}
        if record.get("type") == "CustomerRegistered":
            scrubbed["first_name"] = ""
        if scrubbed != record:
            from_record(scrubbed)  # still a valid event: the export and any replay keep working
            changed.append({"b_id": row.id, "b_payload": json.dumps(scrubbed, separators=(",", ":"))})
    if changed:
        connection.execute(
            update(events).where(events.c.id == bindparam("b_id")).values(payload=bindparam("b_payload")), changed
        )
    return len(changed)
