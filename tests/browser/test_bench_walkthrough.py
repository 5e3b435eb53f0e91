"""The walkthrough benchmark runs end to end and counts the touches each till task takes (no time asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _require_chromium

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_walkthrough_counts_touches_and_ends_with_its_result_line():
    _require_chromium()
    done = subprocess.run(
        [sys.executable, "-m", "bench.walkthrough", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT {")
    result = json.loads(last[len("RESULT ") :])
    assert result["known_card"]["touches"] == 5 and result["known_card"]["card_taps"] == 1
    assert result["refund_by_scan"]["touches"] == 1 and result["refund_by_scan"]["scans"] == 1
    assert result["refund_by_pick"]["touches"] == 3 and result["redeem"]["touches"] == 3
    assert result["capture_added_touches"] == result["capture"]["touches"] - result["known_card"]["touches"]
    assert result["capture_added_touches"] == 1  # the customer's yes: "Customer agrees — save", no name typed
    assert result["capture_with_name_added_touches"] == 4  # a three-letter first name, then the same touch
    assert result["name_next_visit"]["touches"] == 5 and result["name_next_visit"]["card_taps"] == 1
    assert result["baseline"] == "known_card" and "capture_added_seconds_p50" in result
