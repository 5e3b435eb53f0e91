"""Device look-ups at central: a card of any store, a till's search for a customer without their card, and the
customer chosen from it. Each answer is the least-data row a pull sends (`central.customer_lookup`)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from central import customer_lookup
from central.transactions import in_transaction

bp = Blueprint("lookup", __name__, url_prefix="/api")


def _engine():
    return current_app.extensions["central.engine"]


@bp.get("/customers/by-card/<card_uid>")
def card(card_uid: str):
    """The card's customer (404 unknown or unlinked, 410 blocked); they join this device's store scope."""
    return jsonify(in_transaction(_engine(), lambda c: customer_lookup.by_card(c, g.device_id, card_uid)))


@bp.get("/customers/search")
def search():
    """Masked customers of the whole chain matching `?q=` (name, phone, e-mail, card number), at most ten."""
    query = request.args.get("q", "")
    found = in_transaction(_engine(), lambda c: customer_lookup.search_masked(c, query))
    return jsonify(customers=found)


@bp.get("/customers/<customer_id>")
def customer(customer_id: str):
    """The customer a till chose from a search (404 unknown or erased); they join this device's store scope."""
    return jsonify(in_transaction(_engine(), lambda c: customer_lookup.by_id(c, g.device_id, customer_id)))
