"""Back-office API: devices, partner voucher pools, customer export/erasure, cards, the review list.

Every call needs the admin token (`CENTRAL_ADMIN_TOKEN`); with none set the admin API is closed.
"""

from __future__ import annotations

import dataclasses
import secrets

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select

from central import customers as customer_admin
from central import devices as device_registry
from central import erased_copies, phonecard, phonecard_links, reference_data, vouchers
from central.errors import AuthenticationFailed, BadRequest
from central.requests import bearer_token, json_object, text_field
from central.schema import events
from central.transactions import in_transaction

bp = Blueprint("admin", __name__, url_prefix="/api/admin")
ACTOR = "admin"


def _engine():
    return current_app.extensions["central.engine"]


@bp.before_request
def _require_admin() -> None:
    expected = current_app.extensions["central.settings"].admin_token
    if not expected:
        raise AuthenticationFailed("the admin API is closed: set CENTRAL_ADMIN_TOKEN to open it")
    token = bearer_token()
    if token is None or not secrets.compare_digest(token.encode(), expected.encode()):
        raise AuthenticationFailed("this request needs the admin token (Authorization: Bearer ...)")


@bp.get("/devices")
def list_devices():
    found = in_transaction(_engine(), device_registry.list_devices)
    return jsonify(devices=[dataclasses.asdict(d) for d in found])


@bp.post("/devices")
def add_device():
    body = json_object()
    device_id = device_registry.check_device_id(body.get("device_id"))
    name = text_field(body, "name", 200, required=False)
    ttl = current_app.extensions["central.settings"].enrolment_code_ttl_s
    code = in_transaction(_engine(), lambda c: device_registry.create_enrolment_code(c, device_id, name, ttl))
    return jsonify(device_id=device_id, code=code), 201


@bp.post("/devices/<device_id>/revoke")
def revoke_device(device_id: str):
    in_transaction(_engine(), lambda c: device_registry.revoke(c, device_id))
    return jsonify(device_id=device_id, revoked=True)


@bp.post("/partners/<partner>/codes")
def import_codes(partner: str):
    vouchers.check_partner(partner)
    if request.mimetype != "text/csv":
        raise BadRequest("send the codes as text/csv with the header line code,face_value_cents")
    try:
        text = request.get_data(as_text=False).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the CSV must be UTF-8 text") from None
    rows = vouchers.parse_codes_csv(text)
    added, present = in_transaction(_engine(), lambda c: vouchers.import_codes(c, partner, rows))
    return jsonify(partner=partner, added=added, already_present=present)


@bp.get("/partners/<partner>/pool")
def pool(partner: str):
    counts = in_transaction(_engine(), lambda c: vouchers.pool_counts(c, partner))
    return jsonify(partner=partner, **counts)


@bp.get("/partners/<partner>/issued")
def issued(partner: str):
    text = in_transaction(_engine(), lambda c: vouchers.issued_csv(c, partner))
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{partner}-issued.csv"'}
    )


@bp.get("/customers/<customer_id>/export")
def export_customer(customer_id: str):
    return jsonify(in_transaction(_engine(), lambda c: customer_admin.export_customer(c, customer_id)))


@bp.post("/customers/<customer_id>/erase")
def erase_customer(customer_id: str):
    in_transaction(_engine(), lambda c: customer_admin.erase_customer(c, customer_id, ACTOR))
    erased_copies.wipe(_engine())
    return jsonify(customer_id=customer_id, erased=True)


@bp.post("/cards/<card_uid>/block")
def block_card(card_uid: str):
    reason = text_field(json_object(), "reason", 200)
    in_transaction(_engine(), lambda c: customer_admin.block_card(c, card_uid, reason, ACTOR))
    return jsonify(card_uid=card_uid, blocked=True)


@bp.post("/cards/<card_uid>/replace")
def replace_card(card_uid: str):
    new_uid = json_object().get("new_card_uid")
    customer_id = in_transaction(_engine(), lambda c: customer_admin.replace_card(c, card_uid, new_uid, ACTOR))
    return jsonify(old_card_uid=card_uid, new_card_uid=new_uid, customer_id=customer_id)


@bp.post("/cards/<card_uid>/new-link")
def new_card_link(card_uid: str):
    """Replace a card's phone card page link (e.g. the customer shared it): older links stop opening the page."""

    def work(connection):
        phonecard.usable_card(connection, card_uid)
        return phonecard_links.rotate(connection, card_uid)

    token = phonecard.link_token(phonecard.signing_key(), card_uid, in_transaction(_engine(), work))
    return jsonify(card_uid=card_uid, path=url_for("phonecard.card_page", token=token))


@bp.put("/catalogue/<reward_id>")
def put_reward(reward_id: str):
    body = json_object()
    reward = in_transaction(_engine(), lambda c: reference_data.put_reward(c, reward_id, body))
    return jsonify(reward_id=reward.reward_id, saved=True)


@bp.put("/cashiers/<cashier_id>")
def put_cashier(cashier_id: str):
    body = json_object()
    in_transaction(_engine(), lambda c: reference_data.put_cashier(c, cashier_id, body))
    return jsonify(cashier_id=cashier_id, saved=True)


@bp.put("/earning-rules")
def put_earning_rules():
    body = json_object()
    in_transaction(_engine(), lambda c: reference_data.put_earning_rules(c, body))
    return jsonify(saved=True)


@bp.get("/review")
def review():
    def work(connection):
        rows = connection.execute(
            select(events.c.event_id, events.c.device_id, events.c.customer_id, events.c.received_at)
            .where(events.c.review.is_(True))
            .order_by(events.c.id)
            .limit(1000)
        )
        return [dict(r._mapping) for r in rows]

    return jsonify(flagged=in_transaction(_engine(), work))
