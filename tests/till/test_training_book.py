"""Each cashier's training progress as the till sends it to central: best score and time, first completion."""

from __future__ import annotations

import json

from device.till.training import TrainingBook
from loyalty.drills import MAX_SECONDS
from tests.factories import ManualClock


def _book(path, clock, times):
    return TrainingBook(path, clock, now=lambda: times.pop(0))


def test_progress_keeps_the_best_result_and_the_first_completion(tmp_path):
    clock = ManualClock(50.0)
    times = ["2026-12-01T09:00:00+01:00", "2026-12-01T09:05:00+01:00", "2026-12-01T09:09:00+01:00"]
    book = _book(tmp_path / "till-training.json", clock, times)
    assert book.progress() == []
    book.start("alice", "refund")
    book.mistake()
    clock.now += 12.34
    assert book.done("refunded").score == 80
    book.start("alice", "refund")
    clock.now += 20.0
    book.done("refunded")  # better score, slower: kept, first completion unchanged
    book.start("alice", "refund")
    book.mistake()
    clock.now += 1.0
    book.done("refunded")  # worse score: not kept
    book.start("bob", "known_card")
    assert book.done("refunded") is None  # not what the drill asks
    clock.now += 3.0
    book.done("earned")
    expected = [
        {
            "cashier_id": "alice",
            "drill": "refund",
            "best_score": 100,
            "best_seconds": 20.0,
            "first_done_at": "2026-12-01T09:00:00+01:00",
        },
        {
            "cashier_id": "bob",
            "drill": "known_card",
            "best_score": 100,
            "best_seconds": 3.0,
            "first_done_at": "2026-12-01T09:05:00+01:00",
        },
    ]
    assert book.progress() == expected
    assert TrainingBook(tmp_path / "till-training.json").progress() == expected  # kept on disk


def test_old_files_and_absurd_results_are_not_sent(tmp_path):
    path = tmp_path / "till-training.json"
    path.write_text(
        json.dumps(
            {
                "schema": 1,
                "cashiers": {
                    "alice": {"redeem": {"seconds": 4.5, "score": 60}},  # written before completions were dated
                    "bob": {
                        "redeem": {"seconds": MAX_SECONDS + 1, "score": 100, "first_done": None},
                        "retired_drill": {"seconds": 3.0, "score": 100, "first_done": None},
                    },
                    "x" * 65: {"redeem": {"seconds": 3.0, "score": 100, "first_done": None}},
                },
            }
        )
    )
    assert TrainingBook(path).progress() == [
        {"cashier_id": "alice", "drill": "redeem", "best_score": 60, "best_seconds": 4.5, "first_done_at": None}
    ]
