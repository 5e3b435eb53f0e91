"""A pulled customer's lots and debits survive the JSON wire, a page from a central without them still reads,
and malformed lots are refused before the store sees them."""

from __future__ import annotations

import json

import pytest

from loyalty.domain.snapshot import CustomerState, PulledBatch
from loyalty.errors import SyncRefused
from loyalty.wire import batch_from_record, batch_to_record


def test_lots_round_trip_through_json():
    ana = CustomerState("ana", 80, "Ana", lots=(("2026-01-05", 50), ("2026-03-02", 40)), debits=10)
    batch = PulledBatch(cursor=3, customers=(ana,))
    assert batch_from_record(json.loads(json.dumps(batch_to_record(batch)))) == batch


def test_a_page_without_lots_reads_as_no_lots():
    page = batch_from_record({"cursor": 1, "customers": [{"customer_id": "ana", "points": 5}]})
    assert page.customers[0].lots == () and page.customers[0].debits == 0


@pytest.mark.parametrize(
    "lots, debits",
    [
        ([["2026-01-05"]], 0),
        ([[20260105, 4]], 0),
        ([["2026-01-05", "4"]], 0),
        ({"2026-01-05": 4}, 0),
        ([], "3"),
        ([], True),
    ],
)
def test_malformed_lots_are_refused(lots, debits):
    with pytest.raises(SyncRefused):
        batch_from_record(
            {"cursor": 1, "customers": [{"customer_id": "ana", "points": 5, "lots": lots, "debits": debits}]}
        )
