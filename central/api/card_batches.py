"""Card batch API: managers make and export batches and read the per-channel report; shoppers activate online."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, current_app, jsonify, request

from central import card_activation, card_batches
from central.api.admin import ACTOR, _require_admin
from central.backoffice import audit
from central.requests import json_object
from central.transactions import in_transaction

bp = Blueprint("card_batches", __name__, url_prefix="/api/admin/card-batches")
activation_bp = Blueprint("card_activation", __name__, url_prefix="/api/cards")
bp.before_request(_require_admin)


def _engine():
    return current_app.extensions["central.engine"]


@bp.post("")
def create():
    body = json_object()
    note = body.get("note") if isinstance(body.get("note"), str) else ""

    def work(connection):
        batch = card_batches.create_batch(connection, body.get("channel"), body.get("partner"), body.get("size"), note)
        audit.record(
            connection,
            ACTOR,
            "card_batch_create",
            batch.batch_id,
            None,
            {"channel": batch.channel, "partner": batch.partner, "size": batch.size},
        )
        return batch

    batch = in_transaction(_engine(), work)
    return jsonify(dataclasses.asdict(batch)), 201


@bp.get("")
def list_all():
    return jsonify(batches=[dataclasses.asdict(b) for b in in_transaction(_engine(), card_batches.list_batches)])


@bp.get("/report")
def report():
    return jsonify(channels=in_transaction(_engine(), card_batches.report))


@bp.get("/<batch_id>/cards.csv")
def export(batch_id: str):
    text = in_transaction(_engine(), lambda c: card_batches.export_csv(c, batch_id))
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="cards-{batch_id}.csv"'}
    )


@bp.post("/<batch_id>/chip-uids")
def import_chip_uids(batch_id: str):
    """Card production's CSV (card_number, chip_uid) as the request body (text/csv)."""
    text = card_batches.production_file_text(request.get_data())

    def work(connection):
        count = card_batches.import_chip_uids(connection, batch_id, text)
        audit.record(connection, ACTOR, "card_batch_chips", batch_id, None, {"chips": count})
        return count

    imported = in_transaction(_engine(), work)
    return jsonify(batch_id=batch_id, imported=imported)


@bp.post("/cards/<card_uid>/unlock")
def unlock(card_uid: str):
    """Online activation again for a card locked by wrong codes."""

    def work(connection):
        number = card_batches.unlock(connection, card_uid)
        audit.record(connection, ACTOR, "card_unlock", number, None, {"failed_attempts": 0})
        return number

    return jsonify(card_number=in_transaction(_engine(), work), unlocked=True)


@bp.get("/cards/<card_uid>")
def card_origin(card_uid: str):
    return jsonify(dataclasses.asdict(in_transaction(_engine(), lambda c: card_batches.origin(c, card_uid))))


@activation_bp.post("/activate")
def activate():
    """The printed number and code, and the shopper's first name and consent: the card becomes theirs."""
    body = json_object()
    done = card_activation.activate(
        _engine(), body.get("card_number"), body.get("activation_code"), body.get("first_name"), body.get("consent")
    )
    return jsonify(
        card_number=done.card_number,
        activated=True,
        channel=done.channel,
        customer_id=done.customer_id,
        created=done.created,
    )
