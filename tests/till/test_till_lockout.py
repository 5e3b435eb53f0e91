"""Wrong PINs typed at the till slow down that cashier only: the till as a whole is never locked."""

from __future__ import annotations

from tests.till.test_till_web import app, client, csrf_of, sign_in  # noqa: F401  (fixtures and helpers)


def test_a_cashier_signs_in_after_a_stranger_tried_every_other_account(service, client):  # noqa: F811
    """About twenty wrong PINs spread over the other accounts used to lock the whole till for a minute."""
    service.till.cashiers.add("Nora", "cashier", "2468", cashier_id="nora")
    service.till.cashiers.add("Zoé", "cashier", "1357", cashier_id="zoe")
    service.till.cashiers.add("Yann", "cashier", "9753", cashier_id="yann")
    for _ in range(6):
        for cashier in ("alice", "marc", "zoe", "yann"):
            client.post("/till/signin", data={"cashier_id": cashier, "pin": "0000", "csrf_token": csrf_of(client)})
    sign_in(client, "nora", "2468")
