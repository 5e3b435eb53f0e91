"""The walkthrough benchmark runs end to end and counts the touches each till task takes (no time asserted)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_walkthrough_counts_touches_and_ends_with_its_result_line(browser, capsys):
    from bench.walkthrough import main

    assert main(["--quick"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("RESULT {")
    result = json.loads(last[len("RESULT "):])
    assert result["known_card"]["touches"] == 5 and result["known_card"]["card_taps"] == 1
    assert result["refund_by_scan"] == {**result["refund_by_scan"], "touches": 1, "scans": 1}
    assert result["refund_by_pick"]["touches"] == 3 and result["redeem"]["touches"] == 3
    assert result["capture_added_touches"] == result["capture"]["touches"] - result["known_card"]["touches"]
    assert result["baseline"] == "known_card" and "capture_added_seconds_p50" in result
