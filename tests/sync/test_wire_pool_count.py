"""A pool balance's member count survives the JSON wire, a page or look-up from a central without it still
reads (no count), and a malformed count is refused before the store sees it."""

from __future__ import annotations

import json

import pytest

from loyalty.domain.snapshot import PoolBalanceState, PulledBatch
from loyalty.errors import SyncRefused
from loyalty.wire import batch_from_record, batch_to_record, looked_up_from_record


def test_the_member_count_round_trips_through_json():
    batch = PulledBatch(cursor=3, pool_balances=(PoolBalanceState("fam", 22, 2),))
    assert batch_from_record(json.loads(json.dumps(batch_to_record(batch)))) == batch


def test_a_central_without_member_counts_still_reads():
    page = batch_from_record({"cursor": 1, "pool_balances": [{"pool_id": "fam", "points": 22}]})
    found = looked_up_from_record(
        {"customer": {"customer_id": "ana", "points": 5}, "pool_balance": {"pool_id": "fam", "points": 22}}
    )
    assert page.pool_balances[0].members is None and found.pool_balances[0].members is None


@pytest.mark.parametrize("members", [-1, "2", 1.5, True])
def test_a_malformed_member_count_is_refused(members):
    with pytest.raises(SyncRefused):
        batch_from_record({"cursor": 1, "pool_balances": [{"pool_id": "fam", "points": 22, "members": members}]})
