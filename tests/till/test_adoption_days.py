"""The till's adoption figures per day, as central's adoption API takes them."""

from __future__ import annotations

from datetime import date, timedelta

from device.till.adoption import KEEP_DAYS, AdoptionBook


class Today:
    def __init__(self) -> None:
        self.day = date(2026, 11, 3)

    def __call__(self) -> date:
        return self.day


def test_counts_go_to_the_day_they_happen_and_survive_a_restart(tmp_path):
    today = Today()
    book = AdoptionBook(tmp_path / "till-adoption.json", today)
    book.count("alice", "operations")
    book.timed("alice", 2500.7)
    today.day = date(2026, 11, 4)
    book.count("alice", "operations")
    book.count(None, "unknown_cards")
    book.save()
    days = AdoptionBook(tmp_path / "till-adoption.json", today).day_figures()
    assert [
        (d["day"], d["cashier_id"], d["operations"], d["op_ms_total"], d["timed_ops"], d["unknown_cards"]) for d in days
    ] == [("2026-11-03", "alice", 1, 2500, 1, 0), ("2026-11-04", "-", 0, 0, 0, 1), ("2026-11-04", "alice", 1, 0, 0, 0)]
    assert {f.cashier_id: f.operations for f in book.figures()} == {"alice": 2, "-": 0}


def test_only_the_last_days_are_kept(tmp_path):
    today = Today()
    book = AdoptionBook(tmp_path / "till-adoption.json", today)
    for n in range(KEEP_DAYS + 3):
        today.day = date(2026, 11, 1) + timedelta(days=n)
        book.count("alice", "operations")
    days = [d["day"] for d in book.day_figures()]
    assert len(days) == KEEP_DAYS and days[-1] == today.day.isoformat()
    assert book.figures()[0].operations == KEEP_DAYS + 3  # the all-time figures keep everything


def test_a_book_saved_before_days_existed_still_opens(tmp_path):
    path = tmp_path / "till-adoption.json"
    path.write_text('{"schema": 1, "cashiers": {"alice": {"operations": 5}}}', encoding="utf-8")
    book = AdoptionBook(path)
    assert book.day_figures() == [] and book.figures()[0].operations == 5
