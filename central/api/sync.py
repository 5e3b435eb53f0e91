"""Device API: enrol, push events, pull state, ask for a partner voucher. Every call but enrol needs a token."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, current_app, g, jsonify, request

from central import cashier_figures, push_refusals, receipts, training_progress, unknown_cards, vouchers
from central import devices as device_registry
from central.backoffice import daily_summary as summaries
from central.backoffice.reports import Period, build_report
from central.errors import BadRequest, EventRefused, RequestTooLarge
from central.event_authority import check_device_events
from central.ingest import ingest
from central.pull import pull_page
from central.requests import bearer_token, json_object, query_int, text_field
from central.sequence_gaps import device_gaps
from central.stock_levels import low_stocks
from central.transactions import in_transaction
from loyalty.domain.events import Event, from_record
from loyalty.errors import InvalidEvent
from loyalty.wire import batch_to_record

bp = Blueprint("sync", __name__, url_prefix="/api")

MAX_ID = 64


def _engine():
    return current_app.extensions["central.engine"]


def _settings():
    return current_app.extensions["central.settings"]


@bp.post("/enrol")
def enrol():
    body = json_object()
    token = in_transaction(
        _engine(), lambda c: device_registry.enrol(c, body.get("device_id"), body.get("code"), body.get("store_id"))
    )
    return jsonify(device_id=body["device_id"], token=token)


def parse_batch(body: dict, device_id: str, max_events: int) -> list[Event]:
    """The batch's events, each checked; one bad event refuses the whole batch (nothing is stored).

    A refusal that names one event (its id is readable) is an `EventRefused`, so the device can set that
    event aside and send the rest; a batch that is not a list or too long is refused as a whole.
    """
    records = body.get("events")
    if not isinstance(records, list):
        raise BadRequest("events must be a list of event records")
    if len(records) > max_events:
        raise RequestTooLarge(f"at most {max_events} events per push; send smaller batches")
    batch = []
    for index, record in enumerate(records):
        try:
            batch.append(_checked_event(index, record, device_id))
        except (InvalidEvent, BadRequest) as exc:
            event_id = record.get("event_id") if isinstance(record, dict) else None
            if isinstance(event_id, str) and _is_uuid(event_id):
                raise EventRefused(str(exc), event_id) from None
            raise
    return batch


def _checked_event(index: int, record: object, device_id: str) -> Event:
    try:
        event = from_record(record)
    except InvalidEvent as exc:
        raise InvalidEvent(f"event {index}: {exc}") from None
    if event.device_id != device_id:
        raise BadRequest(f"event {index}: device_id {event.device_id!r} is not the device that sends it")
    if event.seq is None or event.seq < 1:
        raise BadRequest(f"event {index}: seq must be a whole number >= 1")
    for name in ("customer_id", "cashier_id", "reward_id", "partner"):  # kept as keys of central's tables
        value = getattr(event, name, None)
        if value is not None and not 0 < len(value) <= MAX_ID:
            raise BadRequest(f"event {index}: {name} must be 1 to {MAX_ID} characters")
    return event


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) <= 36


@bp.post("/sync/push")
def push():
    device_id = g.device_id
    body = json_object()

    def work(connection):
        batch = parse_batch(body, device_id, _settings().max_batch_events)
        check_device_events(connection, batch)
        attributed = unknown_cards.attribute(connection, batch)
        result = ingest(connection, attributed.events, device_id)
        unknown_cards.flag(connection, attributed)
        device_registry.note_seen(connection, device_id)
        return result

    try:
        result = in_transaction(_engine(), work)
    except EventRefused as exc:
        in_transaction(_engine(), lambda c, refused=exc: push_refusals.record(c, device_id, body, refused))
        raise
    return jsonify(
        acknowledged=list(result.acknowledged),
        inserted=result.inserted,
        flagged=list(result.flagged),
        seq_through=result.seq_through,
        card_claims=list(result.card_claims),
    )


@bp.get("/sync/device")
def device_state():
    """What central holds of this device: its gap-free run, highest number and missing numbers (also a live
    check of the token for `kiosk doctor`)."""
    token = bearer_token()

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        return device_gaps(connection, device_id).to_json() | {
            "low_stocks": [s.to_json() for s in low_stocks(connection)]
        }

    return jsonify(in_transaction(_engine(), work))


@bp.post("/sync/adoption")
def adoption():
    """A till's adoption figures per cashier per day; sending a day again replaces it."""
    token = bearer_token()
    rows = cashier_figures.parse_rows(json_object())

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        return cashier_figures.store_rows(connection, device_id, rows)

    return jsonify(stored=in_transaction(_engine(), work))


@bp.post("/sync/training")
def training():
    """A till's training progress per cashier per drill; sending a row again replaces it."""
    token = bearer_token()
    rows = training_progress.parse_rows(json_object())

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        return training_progress.store_rows(connection, device_id, rows)

    return jsonify(stored=in_transaction(_engine(), work))


@bp.get("/sync/daily-summary")
def daily_summary():
    """This device's store's day as plain text for its receipt printer: `?day=YYYY-MM-DD&lang=fr|en`."""
    token = bearer_token()
    try:
        day = date.fromisoformat(request.args.get("day", date.today().isoformat()))
    except ValueError:
        raise BadRequest("day must be a date YYYY-MM-DD") from None
    lang = request.args.get("lang", "fr")
    if lang not in summaries.LABELS:
        raise BadRequest(f"lang must be one of {', '.join(sorted(summaries.LABELS))}")

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        report = build_report(connection, Period(day, day), frozenset({device_id}))
        adoption = cashier_figures.adoption_rows(connection, day, day, frozenset({device_id}))[0]
        return device_id, summaries.summary_lines(report, device_id, day, lang, adoption)

    device_id, lines = in_transaction(_engine(), work)
    return jsonify(
        store=device_id, day=day.isoformat(), text=summaries.summary_text(lines, summaries.LABELS[lang]["title"])
    )


@bp.get("/sync/pull")
def pull():
    token = bearer_token()
    cursor = query_int("cursor", 0, 0, 2**62)
    limit = query_int("limit", 500, 1, _settings().max_pull_rows)

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        device_registry.note_seen(connection, device_id, every_s=device_registry.SEEN_EVERY_S)
        return pull_page(
            connection,
            device_id,
            cursor,
            limit,
            by_store=_settings().device_scope == "store",
            scope_days=_settings().scope_days,
        )

    batch = in_transaction(_engine(), work)
    return jsonify(batch_to_record(batch) | {"more": batch.device_seq_through is None})


@bp.post("/vouchers/issue")
def issue_voucher():
    token = bearer_token()
    body = json_object()
    partner = vouchers.check_partner(body.get("partner"))
    customer_id = text_field(body, "customer_id", MAX_ID)
    redemption = text_field(body, "redemption_event_id", 36)

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        return vouchers.issue(connection, partner, customer_id, device_id, redemption, _settings().voucher_release_s)

    voucher = in_transaction(_engine(), work)
    return jsonify(
        partner=voucher.partner,
        code=voucher.code,
        face_value_cents=voucher.face_value_cents,
        redemption_event_id=voucher.redemption_event_id,
    )


@bp.get("/receipts")
def receipt_earn():
    """The earn of `?ref=` credited at any device of the asking device's store (refund at any till), or null."""
    token = bearer_token()
    ref = request.args.get("ref", "")
    if not ref or len(ref) > 64 or not ref.isprintable():
        raise BadRequest("ref must be a receipt reference of 1 to 64 printable characters")

    def work(connection):
        device_id = device_registry.authenticate(connection, token)
        return receipts.earn_in_store(connection, device_id, ref)

    return jsonify(earn=in_transaction(_engine(), work))
