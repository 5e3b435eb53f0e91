"""The store benchmark runs end to end at tiny sizes and ends with a parseable RESULT line."""

from __future__ import annotations

import json

from bench import store as bench_store

KEYS = {
    "customers",
    "pending",
    "earn_p50_ms",
    "earn_p99_ms",
    "sqlite_earn_p99_ms",
    "fsync_floor_ms",
    "naive_tinydb_update_ms",
    "lookup_p95_ms",
    "search_p95_ms",
    "startup_s",
    "rss_mb",
    "earn_vs_sqlite_p99",
}


def test_bench_store_prints_a_result_line(capsys):
    assert bench_store.main(["--customers", "300", "--pending", "30", "--iterations", "20"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("RESULT ")
    result = json.loads(last[len("RESULT ") :])
    assert result.keys() >= KEYS
    assert (result["customers"], result["pending"]) == (300, 30)
    assert all(isinstance(result[key], (int, float)) for key in KEYS)
