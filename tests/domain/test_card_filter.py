"""The issued-cards filter: never misses an issued card, and mistakes foreign cards at the stated rate."""

from __future__ import annotations

import math
import random

import pytest

from kiosk.domain.card_filter import CardFilter


def _numbers(rng: random.Random, n: int) -> list[str]:
    return [f"{rng.randrange(10**12, 10**13)}" for _ in range(n)]


def _chips(rng: random.Random, n: int) -> list[str]:
    return [rng.randbytes(7).hex().upper() for _ in range(n)]


@pytest.mark.parametrize("fp_rate", [0.01, 0.001])
def test_no_issued_card_is_missed_and_foreign_cards_pass_at_the_stated_rate(fp_rate):
    rng = random.Random(7)
    issued = _numbers(rng, 20_000) + _chips(rng, 20_000)
    made = CardFilter.build(issued, fp_rate)
    assert all(uid in made for uid in issued)
    issued_set = set(issued)
    foreign = [uid for uid in _numbers(rng, 100_000) + _chips(rng, 100_000) if uid not in issued_set]
    measured = sum(uid in made for uid in foreign) / len(foreign)
    assert measured <= fp_rate * 1.25, f"measured false-positive rate {measured:.5f} above {fp_rate}"
    optimal_bytes = len(issued) * -math.log(fp_rate) / math.log(2) ** 2 / 8  # the Bloom filter's own bound
    assert len(made.bits) <= optimal_bytes + 1


def test_a_uid_is_found_however_it_is_written_and_the_filter_travels_as_json():
    made = CardFilter.build(["04:a1:b2:c3:d4:e5:f6", "2000 0000 0001 2"])
    back = CardFilter.from_json(made.to_json())
    assert back == made
    assert "04A1B2C3D4E5F6" in back and "04a1b2c3d4e5f6" in back and "2000000000012" in back
    assert "" not in back and None not in back


def test_an_empty_filter_holds_nothing_and_a_damaged_one_is_refused():
    empty = CardFilter.build([])
    assert "04A1B2C3D4E5F6" not in empty and empty.count == 0
    with pytest.raises(ValueError):
        CardFilter.from_json('{"size": 64, "hashes": 1, "count": 0, "fp_rate": 0.01, "bits": "AA=="}')
    with pytest.raises(ValueError):
        CardFilter.from_json("not json")
    with pytest.raises(ValueError):
        CardFilter.build(["x"], fp_rate=0)
