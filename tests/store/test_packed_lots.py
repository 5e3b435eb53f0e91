"""Lots packed in the cache come back as they were pulled, across a reopen, and bad ones are refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from device.store import Store, packed_lots
from loyalty.domain.expiry import ExpiryRule
from loyalty.domain.snapshot import CustomerState, PulledBatch
from loyalty.errors import InvalidPull

from .conftest import DEVICE

LOTS = st.dictionaries(
    st.dates(date(1990, 1, 1), date(2100, 12, 31)).map(date.isoformat), st.integers(-(2**31), 2**31 - 1), max_size=60
)


@given(LOTS)
def test_packing_keeps_every_lot(lots):
    packed = packed_lots.pack(sorted(lots.items()))
    assert len(packed) == 8 * len(lots)
    assert packed_lots.unpack(packed_lots.from_text(packed_lots.to_text(packed))) == lots


@pytest.mark.parametrize("text", ["not base64!", "AAAA", 7])
def test_a_damaged_packed_text_is_refused(text):
    with pytest.raises(TypeError):
        packed_lots.from_text(text)


def test_pulled_lots_answer_the_notice_after_a_reopen(data_dir):
    lots = (("2025-12-10", 40), ("2026-01-05", 25), ("2026-06-01", 10))
    rule = ExpiryRule(after_days=365, notice_days=30)
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c1", 60, lots=lots, debits=15),)))
        before = store.expiry_notice("c1", date(2026, 12, 1), rule)
    with Store.open(data_dir, DEVICE) as store:
        after = store.expiry_notice("c1", date(2026, 12, 1), rule)
    assert before == after and (after.points, after.first_day) == (25, date(2026, 12, 10))


@pytest.mark.parametrize("lots", [(("10/12/2025", 40),), (("2025-12-10", 2**31),)])
def test_pulled_lots_the_cache_cannot_hold_are_refused_and_nothing_changes(data_dir, lots):
    with Store.open(data_dir, DEVICE) as store:
        with pytest.raises(InvalidPull, match="lots"):
            store.apply_batch(PulledBatch(cursor=1, customers=(CustomerState("c1", 60, lots=lots),)))
        assert store.cursor == 0 and store.customer("c1") is None
