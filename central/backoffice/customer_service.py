"""Customer service at central: one customer's file, and the actions head office and store managers take on it.

Every action is an ordinary event made by central (device `central`) and folded by the same ingest path as
device pushes, so balances, lots and the devices' pulls follow; each is audited with who, when and why.
A store manager sees only customers who shopped in their stores, with contact details masked.

A merge moves a duplicate customer's cards, points, lots, debits and pool membership to the kept customer
(`PointsMoved` with the amounts read now, `CardLinked` for each card); devices learn the new card owner and
both balances at their next pull. For `MERGE_UNDO_DAYS` the merge can be undone, moving back exactly what it
moved, as long as the kept customer still holds those points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Connection, exists, select, update

from central.backoffice import audit
from central.backoffice.accounts import BackofficeUser
from central.clock import utc_now
from central.customer_search import refresh_from_rows
from central.devices import CENTRAL_DEVICE_ID
from central.errors import (
    AdjustmentOverBalance,
    AlreadyMerged,
    BadRequest,
    MergedPointsSpent,
    MergeUndoClosed,
    NoEmailOnFile,
    NotAllowed,
    NotFound,
    VoucherAlreadyCancelled,
)
from central.ingest import ingest
from central.schema import audit as audit_table
from central.schema import (
    cards,
    customer_merges,
    customers,
    events,
    pool_balances,
    pool_memberships,
    settings,
    voucher_codes,
)
from loyalty.domain.events import (
    CardLinked,
    Event,
    PointsAdjusted,
    PointsMoved,
    PoolJoined,
    PoolLeft,
    RedemptionCancelled,
    from_record,
)
from loyalty.domain.expiry import ExpiryNotice, ExpiryRule, notice
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import lots_from_json
from loyalty.domain.tiers import TierScale, tier_of
from loyalty.reference_settings import EXPIRY, TIERS, expiry_rule_from, tier_scale_from

#: The most points one manual adjustment may add or take back, per back-office role.
ADJUSTMENT_LIMITS = {"head_office": 10_000, "manager": 500}
MERGE_UNDO_DAYS = 30
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Operation:
    """One line of a customer's history: what happened, where, by whom, on which receipt."""

    at: str
    kind: str
    points: int | None
    device_id: str
    cashier_id: str | None
    receipt_ref: str | None
    detail: str
    review: bool


@dataclass(frozen=True)
class CustomerFile:
    """Everything the customer page shows."""

    customer_id: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    erased: bool
    points: int
    tier: str | None
    expiring: ExpiryNotice | None
    lots: tuple[tuple[str, int], ...]
    debits: int
    cards: tuple[tuple[str, bool], ...]
    consent: tuple[dict, ...]
    pool: tuple[str, int, int] | None
    vouchers: tuple[dict, ...]
    operations: tuple[Operation, ...]
    merged_into: str | None
    merges: tuple[dict, ...] = field(default=())
    erasure_requested_at: str | None = None


class _CentralSettings:
    """The settings devices pull, read the way devices read them (one parser: `loyalty.reference_settings`)."""

    def __init__(self, connection: Connection) -> None:
        self._values = dict(
            connection.execute(
                select(settings.c.key, settings.c.value_json).where(settings.c.key.in_((EXPIRY, TIERS)))
            ).all()
        )

    def setting(self, key: str) -> object | None:
        raw = self._values.get(key)
        return json.loads(raw) if raw else None

    def expiry_rule(self) -> ExpiryRule | None:
        return expiry_rule_from(self.setting(EXPIRY))

    def tier_scale(self) -> TierScale | None:
        return tier_scale_from(self.setting(TIERS))


def mask_phone(phone: str | None) -> str | None:
    return None if not phone else "•" * max(0, len(phone) - 2) + phone[-2:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email and "•••"
    name, domain = email.split("@", 1)
    return f"{name[:1]}•••@{domain}"


def store_customer(connection: Connection, customer_id: str, stores: frozenset[str] | None) -> bool:
    """Whether the customer shopped (or was registered) in one of `stores` (None: every store)."""
    if stores is None:
        return True
    return bool(
        connection.execute(
            select(exists().where(events.c.customer_id == customer_id, events.c.device_id.in_(stores)))
        ).scalar()
    )


def require_customer(connection: Connection, user: BackofficeUser, customer_id: str, stores: frozenset[str] | None):
    """The customer's row if this user may see it; the same refusal whether it exists or not."""
    row = connection.execute(select(customers).where(customers.c.customer_id == customer_id)).first()
    if row is None or not store_customer(connection, customer_id, stores):
        raise NotFound(_("No such customer among yours."))
    return row


def merged_into(connection: Connection, customer_id: str) -> str | None:
    return connection.execute(
        select(customer_merges.c.kept_id).where(
            customer_merges.c.duplicate_id == customer_id, customer_merges.c.undone_at.is_(None)
        )
    ).scalar()


def _ledger_of(row) -> Ledger:
    ledger = Ledger()
    ledger.balances[row.customer_id] = row.points
    ledger.lots[row.customer_id] = lots_from_json(row.lots)
    ledger.debits[row.customer_id] = row.debits
    return ledger


def customer_file(connection: Connection, row, today: date) -> CustomerFile:
    cid = row.customer_id
    merges = connection.execute(
        select(customer_merges)
        .where((customer_merges.c.kept_id == cid) | (customer_merges.c.duplicate_id == cid))
        .order_by(customer_merges.c.merged_at.desc())
    ).all()
    ids = {cid} | {m.duplicate_id for m in merges if m.kept_id == cid and m.undone_at is None}
    rows = connection.execute(
        select(events.c.payload, events.c.review)
        .where(events.c.customer_id.in_(ids))
        .order_by(events.c.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    history = [(json.loads(p), bool(review)) for p, review in rows]
    cancelled = cancelled_redemptions(connection, cid)
    reference = _CentralSettings(connection)
    ledger = _ledger_of(row)
    rule, scale = reference.expiry_rule(), reference.tier_scale()
    expiring = notice(ledger, cid, today, rule) if rule else None
    pool = connection.execute(
        select(pool_memberships.c.pool_id, pool_memberships.c.share_pct, pool_balances.c.points)
        .join(pool_balances, pool_balances.c.pool_id == pool_memberships.c.pool_id)
        .where(pool_memberships.c.customer_id == cid)
    ).first()
    return CustomerFile(
        customer_id=cid,
        first_name=row.first_name,
        last_name=row.last_name,
        phone=row.phone,
        email=row.email,
        erased=bool(row.erased),
        points=row.points,
        tier=tier_of(ledger, cid, today, scale).name if scale else None,
        expiring=expiring if expiring and expiring.points > 0 else None,
        lots=tuple(sorted(ledger.lots[cid].items())),
        debits=row.debits,
        cards=tuple(
            (c.card_uid, bool(c.blocked))
            for c in connection.execute(select(cards).where(cards.c.customer_id == cid).order_by(cards.c.card_uid))
        ),
        consent=tuple(r for r, _ in reversed(history) if r["type"] == "ConsentChanged"),
        pool=(pool.pool_id, pool.share_pct, pool.points) if pool else None,
        vouchers=tuple(
            {
                "partner": v.partner,
                "code": v.code,
                "face_value_cents": v.face_value_cents,
                "issued_at": v.issued_at,
                "redemption_event_id": v.redemption_event_id,
                "cancelled": v.redemption_event_id in cancelled,
            }
            for v in connection.execute(
                select(voucher_codes)
                .where(voucher_codes.c.customer_id == cid)
                .order_by(voucher_codes.c.issued_at.desc())
            )
        ),
        operations=tuple(_operation(r, review) for r, review in history),
        merged_into=merged_into(connection, cid),
        merges=tuple(
            {
                "merge_event_id": m.merge_event_id,
                "kept_id": m.kept_id,
                "duplicate_id": m.duplicate_id,
                "merged_at": m.merged_at,
                "merged_by": m.merged_by,
                "reason": m.reason,
                "undone_at": m.undone_at,
                "undoable": _undoable(m),
            }
            for m in merges
        ),
        erasure_requested_at=connection.execute(
            select(audit_table.c.at)
            .where(audit_table.c.action == "customer.erasure_request", audit_table.c.subject == cid)
            .order_by(audit_table.c.id.desc())
            .limit(1)
        ).scalar(),
    )


def _operation(record: dict, review: bool) -> Operation:
    kind = record["type"]
    points = record.get("points", record.get("delta", record.get("balance")))
    if kind in ("PointsRedeemed", "EarnReversed", "PointsExpired", "PoolContributed"):
        points = -points
    detail = record.get("reward_id") or record.get("reason") or record.get("card_uid") or record.get("partner") or ""
    if kind == "PointsMoved":
        detail = f"{record['from_customer_id']} → {record['customer_id']}"
    return Operation(
        record.get("at", ""),
        kind,
        points,
        record["device_id"],
        record.get("cashier_id"),
        record.get("receipt_ref"),
        str(detail),
        review,
    )


def check_reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not 3 <= len(text) <= 200:
        raise BadRequest(_("Give the reason (3 to 200 characters); it goes into the audit trail."))
    return text


def adjust_points(connection: Connection, user: BackofficeUser, customer_id: str, delta: object, reason: object) -> int:
    """Add or take back points by hand within the role's limit; returns the new balance."""
    text = check_reason(reason)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise BadRequest(_("The adjustment is a whole number of points other than 0 (negative takes points back)."))
    limit = ADJUSTMENT_LIMITS["head_office" if user.is_head_office else "manager"]
    if abs(delta) > limit:
        raise NotAllowed(_("Your role may adjust at most %(limit)s points at a time; ask head office.", limit=limit))
    row = connection.execute(select(customers).where(customers.c.customer_id == customer_id)).first()
    if row is None or row.erased:
        raise NotFound(_("No such customer."))
    if delta < 0 and -delta > row.points:
        raise AdjustmentOverBalance(
            _("The balance is %(points)s points; you cannot take back more.", points=row.points)
        )
    ingest(
        connection,
        [
            PointsAdjusted(
                device_id=CENTRAL_DEVICE_ID,
                cashier_id=user.user_id[:64],
                customer_id=customer_id,
                delta=delta,
                reason=text,
            )
        ],
        None,
    )
    audit.record(
        connection,
        user.user_id,
        "customer.adjust",
        customer_id,
        {"points": row.points},
        {"delta": delta, "reason": text},
    )
    return connection.execute(select(customers.c.points).where(customers.c.customer_id == customer_id)).scalar_one()


def merge_customers(
    connection: Connection, user: BackofficeUser, kept_id: str, duplicate_id: str, reason: object
) -> str:
    """Fold `duplicate_id` into `kept_id`; returns the merge's event id (to undo it)."""
    text = check_reason(reason)
    if kept_id == duplicate_id:
        raise BadRequest(_("Choose two different customers."))
    rows = {
        r.customer_id: r
        for r in connection.execute(select(customers).where(customers.c.customer_id.in_((kept_id, duplicate_id))))
    }
    if set(rows) != {kept_id, duplicate_id} or any(r.erased for r in rows.values()):
        raise NotFound(_("Both customers must exist and not be erased."))
    for cid in (kept_id, duplicate_id):
        if merged_into(connection, cid):
            raise AlreadyMerged(
                _("Customer %(customer)s was already merged into another; undo that first.", customer=cid)
            )
    dup = rows[duplicate_id]
    moved = PointsMoved(
        device_id=CENTRAL_DEVICE_ID,
        cashier_id=user.user_id[:64],
        from_customer_id=duplicate_id,
        customer_id=kept_id,
        balance=dup.points,
        debits=dup.debits,
        lots=tuple(sorted(lots_from_json(dup.lots).items())),
    )
    card_uids = [
        uid
        for (uid,) in connection.execute(
            select(cards.c.card_uid).where(cards.c.customer_id == duplicate_id).order_by(cards.c.card_uid)
        )
    ]
    made: list[Event] = [moved] + [
        CardLinked(device_id=CENTRAL_DEVICE_ID, customer_id=kept_id, card_uid=uid) for uid in card_uids
    ]
    pools = {
        r.customer_id: r
        for r in connection.execute(
            select(pool_memberships).where(
                pool_memberships.c.customer_id.in_((kept_id, duplicate_id)), pool_memberships.c.pool_id.is_not(None)
            )
        )
    }
    pool_moved = None
    if duplicate_id in pools:
        dup_pool = pools[duplicate_id]
        made.append(PoolLeft(device_id=CENTRAL_DEVICE_ID, pool_id=dup_pool.pool_id, customer_id=duplicate_id))
        if kept_id not in pools:
            made.append(
                PoolJoined(
                    device_id=CENTRAL_DEVICE_ID,
                    pool_id=dup_pool.pool_id,
                    customer_id=kept_id,
                    share_pct=dup_pool.share_pct,
                )
            )
            pool_moved = [dup_pool.pool_id, dup_pool.share_pct]
    ingest(connection, made, None)
    connection.execute(
        customer_merges.insert().values(
            merge_event_id=moved.event_id,
            kept_id=kept_id,
            duplicate_id=duplicate_id,
            moved_json=json.dumps(
                {
                    "points": moved.balance,
                    "debits": moved.debits,
                    "lots": moved.lots,
                    "cards": card_uids,
                    "pool": pool_moved,
                }
            ),
            merged_at=utc_now(),
            merged_by=user.user_id,
            reason=text,
        )
    )
    refresh_from_rows(connection, [duplicate_id])  # a merged duplicate is no longer found
    audit.record(
        connection,
        user.user_id,
        "customer.merge",
        kept_id,
        None,
        {"duplicate": duplicate_id, "points": moved.balance, "cards": len(card_uids), "reason": text},
    )
    return moved.event_id


def _undoable(merge, now: datetime | None = None) -> bool:
    if merge.undone_at is not None:
        return False
    merged = datetime.fromisoformat(merge.merged_at)
    return (now or datetime.now(UTC)) - merged <= timedelta(days=MERGE_UNDO_DAYS)


def undo_merge(
    connection: Connection,
    user: BackofficeUser,
    merge_event_id: str,
    reason: object,
    now: datetime | None = None,
    kept_id: str | None = None,
) -> None:
    """Move back exactly what the merge moved (points, lots, debits, cards, pool), within the undo window."""
    text = check_reason(reason)
    merge = connection.execute(
        select(customer_merges).where(customer_merges.c.merge_event_id == merge_event_id)
    ).first()
    if merge is None or (kept_id is not None and merge.kept_id != kept_id):
        raise NotFound(_("No such merge."))
    if not _undoable(merge, now):
        raise MergeUndoClosed(_("A merge can be undone only once and within %(days)s days.", days=MERGE_UNDO_DAYS))
    moved = json.loads(merge.moved_json)
    kept_points = connection.execute(
        select(customers.c.points).where(customers.c.customer_id == merge.kept_id)
    ).scalar_one()
    if moved["points"] > 0 and kept_points < moved["points"]:
        raise MergedPointsSpent(_("The kept customer has already spent the merged points; the merge cannot be undone."))
    made: list[Event] = [
        PointsMoved(
            device_id=CENTRAL_DEVICE_ID,
            cashier_id=user.user_id[:64],
            from_customer_id=merge.kept_id,
            customer_id=merge.duplicate_id,
            balance=moved["points"],
            debits=moved["debits"],
            lots=tuple((d, p) for d, p in moved["lots"]),
            merge_event_id=merge_event_id,
        )
    ]
    made += [
        CardLinked(device_id=CENTRAL_DEVICE_ID, customer_id=merge.duplicate_id, card_uid=uid) for uid in moved["cards"]
    ]
    if moved["pool"]:
        pool_id, share = moved["pool"]
        made += [
            PoolLeft(device_id=CENTRAL_DEVICE_ID, pool_id=pool_id, customer_id=merge.kept_id),
            PoolJoined(device_id=CENTRAL_DEVICE_ID, pool_id=pool_id, customer_id=merge.duplicate_id, share_pct=share),
        ]
    ingest(connection, made, None)
    connection.execute(
        update(customer_merges)
        .where(customer_merges.c.merge_event_id == merge_event_id)
        .values(undone_at=utc_now(), undone_by=user.user_id)
    )
    refresh_from_rows(connection, [merge.duplicate_id])
    audit.record(
        connection,
        user.user_id,
        "customer.unmerge",
        merge.kept_id,
        None,
        {"duplicate": merge.duplicate_id, "reason": text},
    )


def stored_events(connection: Connection) -> list[Event]:
    """Every stored event, in storage order (the property tests fold them as the reference)."""
    return [
        from_record(json.loads(p)) for p in connection.execute(select(events.c.payload).order_by(events.c.id)).scalars()
    ]


def resolve_customer(connection: Connection, text: str) -> str:
    """A customer id typed or a card number: the customer it names."""
    text = (text or "").strip()
    if connection.execute(select(customers.c.customer_id).where(customers.c.customer_id == text)).first():
        return text
    owner = connection.execute(select(cards.c.customer_id).where(cards.c.card_uid == text)).scalar()
    if owner is None:
        raise NotFound(_("No customer has this id or card number."))
    return owner


def _voucher(connection: Connection, customer_id: str, code: str):
    row = connection.execute(
        select(voucher_codes).where(voucher_codes.c.customer_id == customer_id, voucher_codes.c.code == code)
    ).first()
    if row is None:
        raise NotFound(_("This voucher is not one of this customer's."))
    return row


def cancelled_redemptions(connection: Connection, customer_id: str) -> set[str]:
    """The redemptions of this customer already cancelled (their points given back)."""
    return {
        json.loads(p)["redemption_event_id"]
        for p in connection.execute(
            select(events.c.payload).where(events.c.customer_id == customer_id, events.c.type == "RedemptionCancelled")
        ).scalars()
    }


def cancel_voucher(connection: Connection, user: BackofficeUser, customer_id: str, code: str, reason: object) -> int:
    """Give back the points of a partner voucher the customer cannot use (once); the partner is told to void it
    from the audit trail. Returns the points given back."""
    text = check_reason(reason)
    voucher = _voucher(connection, customer_id, code)
    if voucher.redemption_event_id in cancelled_redemptions(connection, customer_id):
        raise VoucherAlreadyCancelled(_("This voucher was already cancelled."))
    payload = connection.execute(
        select(events.c.payload).where(events.c.event_id == voucher.redemption_event_id)
    ).scalar()
    points = json.loads(payload)["points"] if payload else 0
    ingest(
        connection,
        [
            RedemptionCancelled(
                device_id=CENTRAL_DEVICE_ID,
                cashier_id=user.user_id[:64],
                customer_id=customer_id,
                redemption_event_id=voucher.redemption_event_id,
                points=points,
            )
        ],
        None,
    )
    audit.record(
        connection,
        user.user_id,
        "customer.voucher_cancel",
        customer_id,
        None,
        {"partner": voucher.partner, "code": code, "points": points, "reason": text},
    )
    return points


def voucher_for_resend(connection: Connection, user: BackofficeUser, customer_id: str, code: str) -> tuple[str, str]:
    """(e-mail, partner) to send the voucher code to again; audited."""
    voucher = _voucher(connection, customer_id, code)
    email = connection.execute(select(customers.c.email).where(customers.c.customer_id == customer_id)).scalar()
    if not email:
        raise NoEmailOnFile(_("This customer has no e-mail address on file."))
    audit.record(
        connection,
        user.user_id,
        "customer.voucher_resend",
        customer_id,
        None,
        {"partner": voucher.partner, "code": code},
    )
    return email, voucher.partner
