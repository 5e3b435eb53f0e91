"""Data safety page: sequence numbers a device recorded that central lacks, and card links held for review.

Both mean something a device confirmed did not reach the ledger as it was: a gap is an event lost or not yet
salvaged (`kiosk salvage --send` on that device), a claim is a card a device linked to a new customer while
central holds it for another. Managers see their own stores' devices only.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template

from central.backoffice import scope
from central.backoffice.web import transaction
from central.card_claims import open_claims
from central.sequence_gaps import all_gaps

bp = Blueprint("data_safety", __name__, url_prefix="/data-safety")


@bp.get("/")
def index():
    gaps, claims = transaction(lambda c: (all_gaps(c), open_claims(c)))
    return render_template("backoffice/data_safety.html",
                           gaps=scope.only_visible(g.user, gaps, lambda x: x.device_id),
                           claims=scope.only_visible(g.user, claims, lambda x: x.device_id))
