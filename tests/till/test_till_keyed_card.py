"""A card number keyed at the till as printed, in groups with spaces, finds the card like a tap."""

from __future__ import annotations

from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from tests.till.test_till_web import JSON, app, client, sign_in  # noqa: F401  (fixtures)

NUMBER = "2000123456787"


def test_a_printed_number_typed_with_spaces_finds_the_customer(service, client):  # noqa: F811
    service.till.live_store.apply_batch(
        PulledBatch(cursor=1, customers=(CustomerState("cust-k", 40, "Inès"),), cards=(CardState(NUMBER, "cust-k"),))
    )
    headers = {**JSON, "X-CSRFToken": sign_in(client)}
    answer = client.post("/till/api/card", json={"uid": "2 000123 456787"}, headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["customer"]["customer_id"] == "cust-k"
    refused = client.post("/till/api/card", json={"uid": "2000 12€"}, headers=headers)
    assert refused.status_code == 422 and "letters and digits" in refused.json["message"]
