"""Benchmarks: `python -m bench.NAME [--quick]`; each prints a table and, last, `RESULT {json}`."""
