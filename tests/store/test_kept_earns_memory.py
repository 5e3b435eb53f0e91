"""The earns kept for refunds after central folds them cost little memory each (their number is capped)."""

from __future__ import annotations

from bench.soak import kept_earn_bytes
from device.store.store import KEPT_EARNS

#: The default cap of kept earns must stay under 9 MB on a Pi.
MAX_BYTES_PER_KEPT_EARN = 450


def test_a_kept_earn_costs_at_most_a_few_hundred_bytes():
    per_earn = kept_earn_bytes(earns=2000)  # a store folding 2 000 earns, measured by tracemalloc
    assert per_earn <= MAX_BYTES_PER_KEPT_EARN, f"{per_earn:.0f} bytes per kept earn"
    assert per_earn * KEPT_EARNS < 9_000_000
