"""Data safety page: sequence numbers a device recorded that central lacks, and card links held for review.

Both mean something a device confirmed did not reach the ledger as it was: a gap is an event lost or not yet
salvaged (`kiosk salvage --send` on that device), a claim is a card a device linked to a new customer while
central holds it for another. Managers see their own stores' devices only.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from central import card_claims
from central.backoffice import audit, scope
from central.backoffice.web import head_office_only, transaction
from central.card_claims import open_claims
from central.sequence_gaps import all_gaps, record_lost

bp = Blueprint("data_safety", __name__, url_prefix="/data-safety")


@bp.get("/")
def index():
    gaps, claims = transaction(lambda c: (all_gaps(c), open_claims(c)))
    return render_template(
        "backoffice/data_safety.html",
        gaps=scope.only_visible(g.user, gaps, lambda x: x.device_id),
        claims=scope.only_visible(g.user, claims, lambda x: x.device_id),
    )


@bp.post("/card-claims/<event_id>")
@head_office_only
def resolve_claim(event_id: str):
    """Head office decides a held card link: keep the card with its customer, or move it to the claimed one."""
    move = request.form.get("decision") == "move"

    def work(connection):
        claim = card_claims.resolve(connection, event_id, move=move)
        audit.record(
            connection,
            g.user.user_id,
            "card_claim.move" if move else "card_claim.keep",
            f"card {claim.card_uid}",
            {"owner": claim.owner},
            {"owner": claim.claimed_for if move else claim.owner},
        )

    transaction(work)
    return redirect(url_for("backoffice.data_safety.index"))


@bp.post("/gaps/<device_id>")
@head_office_only
def write_off(device_id: str):
    """Head office records a device's missing numbers as lost (after `kiosk salvage --send` found no more)."""

    def work(connection):
        gaps = record_lost(connection, device_id, g.user.user_id)
        audit.record(
            connection,
            g.user.user_id,
            "sequence.lost",
            f"device {device_id}",
            {"missing": gaps.missing, "ranges": [list(r) for r in gaps.ranges]},
            {"missing": 0},
        )

    transaction(work)
    return redirect(url_for("backoffice.data_safety.index"))
