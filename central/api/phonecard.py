"""Phone card API: the public key for devices, card page links for devices, and the shopper's card page."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, render_template, url_for

from central import devices as device_registry
from central import phonecard
from central.requests import bearer_token, json_object, text_field
from central.transactions import in_transaction
from kiosk import phonecard as codes

bp = Blueprint("phonecard", __name__)


def _engine():
    return current_app.extensions["central.engine"]


@bp.get("/api/phonecard/public-key")
def public_key():
    return jsonify(public_key=codes.public_key_text(phonecard.signing_key()), window_s=codes.WINDOW_S,
                   algorithm="Ed25519")


@bp.post("/api/phonecard/link")
def link():
    """A device asks for the card page address of a customer's card, to show it as a QR on screen."""
    token = bearer_token()
    card_uid = text_field(json_object(), "card_uid", codes.MAX_UID_BYTES)

    def work(connection):
        device_registry.authenticate(connection, token)
        phonecard.usable_card(connection, card_uid)

    in_transaction(_engine(), work)
    path = url_for("phonecard.card_page", token=phonecard.link_token(phonecard.signing_key(), card_uid))
    return jsonify(card_uid=card_uid, path=path, url=url_for("phonecard.card_page", _external=True,
                                                             token=path.rsplit("/", 1)[-1]))


def _current_code(token: str) -> dict[str, object]:
    key = phonecard.signing_key()
    card_uid = phonecard.card_for_link(key, token)
    in_transaction(_engine(), lambda c: phonecard.usable_card(c, card_uid))
    now = time.time()
    code = codes.sign_code(key, card_uid, now)
    next_change = (int(now // codes.WINDOW_S) + 1) * codes.WINDOW_S
    return {"code": code, "svg": phonecard.qr_svg(code), "next_change": next_change,
            "seconds_left": max(1, round(next_change - now))}


@bp.get("/card/<token>")
def card_page(token: str):
    current = _current_code(token)
    card_uid = phonecard.card_for_link(phonecard.signing_key(), token)
    standing = in_transaction(_engine(), lambda c: phonecard.card_standing(c, card_uid))
    return render_template("phonecard/card.html", token=token, standing=standing, **current)


@bp.get("/card/<token>/code")
def card_code(token: str):
    return jsonify(_current_code(token))
