"""The training drills: which till operation completes each, how a run is scored, and the bounds central keeps
on a result; the till runs them and central gathers each cashier's best."""

#: Drill id -> the till operation that completes it.
DRILLS: dict[str, str] = {
    "known_card": "earned",
    "new_customer": "registered",
    "redeem": "redeemed",
    "refund": "refunded",
    "paper_out": "reprinted",
}
MISTAKE_COST = 20
MAX_SCORE = 100
#: A result longer than this is not a drill but a till left alone; central refuses it, so it is never sent.
MAX_SECONDS = 86400.0
MAX_CASHIER_ID = 64  # central's limit on an id
