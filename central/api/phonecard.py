"""Phone card API: the public key for devices, card page links for devices, and the shopper's card page."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, url_for

from central import phonecard, phonecard_links
from central.requests import json_object, text_field
from central.transactions import in_transaction
from loyalty import phonecard as codes

bp = Blueprint("phonecard", __name__)


def _engine():
    return current_app.extensions["central.engine"]


@bp.get("/api/phonecard/public-key")
def public_key():
    return jsonify(
        public_key=codes.public_key_text(phonecard.signing_key()), window_s=codes.WINDOW_S, algorithm="Ed25519"
    )


@bp.post("/api/phonecard/link")
def link():
    """A device asks for the card page address of a customer's card, to show it as a QR on screen."""
    card_uid = text_field(json_object(), "card_uid", codes.MAX_UID_BYTES)

    def work(connection):
        phonecard.usable_card(connection, card_uid)
        return phonecard_links.current_generation(connection, card_uid)

    token = phonecard.link_token(phonecard.signing_key(), card_uid, in_transaction(_engine(), work))
    path = url_for("phonecard.card_page", token=token)
    return jsonify(card_uid=card_uid, path=path, url=url_for("phonecard.card_page", _external=True, token=token))


@bp.post("/api/phonecard/accept")
def accept():
    """A device online asks central to accept a scanned phone card code once in the whole chain."""
    payload = text_field(json_object(), "code", 400)
    code = codes.verify_code(payload, phonecard.signing_key().public_key(), time.time())
    in_transaction(_engine(), lambda c: phonecard_links.accept_once(c, code, g.device_id))
    return jsonify(card_uid=code.card_uid, accepted=True)


def _current_code(token: str) -> dict[str, object]:
    key = phonecard.signing_key()
    card_uid, generation = phonecard.parse_link(key, token)

    def check(connection):
        phonecard_links.check_generation(connection, card_uid, generation)
        phonecard.usable_card(connection, card_uid)

    in_transaction(_engine(), check)
    now = time.time()
    code = codes.sign_code(key, card_uid, now)
    next_change = (int(now // codes.WINDOW_S) + 1) * codes.WINDOW_S
    return {
        "code": code,
        "svg": phonecard.qr_svg(code),
        "next_change": next_change,
        "seconds_left": max(1, round(next_change - now)),
    }


@bp.get("/card/<token>")
def card_page(token: str):
    current = _current_code(token)
    card_uid = phonecard.card_for_link(phonecard.signing_key(), token)
    standing = in_transaction(_engine(), lambda c: phonecard.card_standing(c, card_uid))
    return render_template("phonecard/card.html", token=token, standing=standing, **current)


@bp.get("/card/<token>/code")
def card_code(token: str):
    return jsonify(_current_code(token))


@bp.post("/card/<token>/new-link")
def new_link(token: str):
    """The customer replaces their card page link (shared by mistake, or on an old phone): older links stop."""
    key = phonecard.signing_key()
    card_uid, generation = phonecard.parse_link(key, token)

    def work(connection):
        phonecard_links.check_generation(connection, card_uid, generation)
        phonecard.usable_card(connection, card_uid)
        return phonecard_links.rotate(connection, card_uid)

    fresh = phonecard.link_token(key, card_uid, in_transaction(_engine(), work))
    return redirect(url_for("phonecard.card_page", token=fresh), 303)
