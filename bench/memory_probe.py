"""Run `kiosk serve` with tracemalloc on and, at each SIGUSR1, write what grew since the previous signal.

`python -m bench.memory_probe OUT_DIR [FRAMES]` serves like `kiosk serve` (same configuration, same
environment); `bench.soak --trace` runs the service this way. Each SIGUSR1 writes `OUT_DIR/probe-N.json`:
the process's RSS, glibc's heap (in use, free but kept), the memory allocated (`allocated_mb`: what
is handed out, without what the allocators keep free or fragmented), the live objects per type (those the collector
tracks) that grew most since the previous signal and, with tracemalloc (FRAMES > 0, default 1), the memory
Python allocated and the allocation sites (file:line, or a traceback of FRAMES frames) that grew most;
with FRAMES = 0, pymalloc's arenas instead (it reports nothing while tracemalloc wraps it). Traced memory
flat while RSS climbs points at the allocator (fragmentation, malloc arenas), not at objects kept; a site
that keeps growing is a leak or a cap not reached yet. Bench-only: the product never imports it.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

TOP = 25


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def _pymalloc() -> dict[str, int]:
    """pymalloc's arena figures, read from `sys._debugmallocstats` (which only writes to the C stderr)."""
    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)
        sys.stderr.flush()
        try:
            os.dup2(out.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    figures = {}
    for name, pattern in (
        ("arenas_allocated_current", r"# arenas allocated current\s*=\s*([\d,]+)"),
        ("arenas_highwater", r"# arenas highwater mark\s*=\s*([\d,]+)"),
        ("bytes_in_allocated_blocks", r"# bytes in allocated blocks\s*=\s*([\d,]+)"),
        ("bytes_in_available_blocks", r"# bytes in available blocks\s*=\s*([\d,]+)"),
        ("bytes_in_arenas", r"Total\s*=\s*([\d,]+)"),
    ):
        found = re.search(pattern, text)
        if found:
            figures[name] = int(found.group(1).replace(",", ""))
    return figures


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _malloc() -> dict[str, float]:
    """glibc's heap in MB: in use, free but kept (fragmentation), and mmapped blocks; {} without glibc 2.33+."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):
        return {}
    mallinfo2.restype = _Mallinfo2
    info = mallinfo2()
    return {
        "in_use_mb": round(info.uordblks / 1e6, 2),
        "free_kept_mb": round(info.fordblks / 1e6, 2),
        "mmapped_mb": round(info.hblkhd / 1e6, 2),
    }


def _type_counts() -> collections.Counter:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


class Probe:
    """Takes a tracemalloc snapshot and a count of live objects per type on request, and diffs them."""

    def __init__(self, out: Path, frames: int) -> None:
        self.out = out
        self.frames = frames
        self.wanted = threading.Event()
        self._number = 0
        self._previous: tracemalloc.Snapshot | None = None
        self._previous_types: collections.Counter = collections.Counter()
        self._previous_at = time.monotonic()

    def run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            self.dump()

    def dump(self) -> None:
        tracing = tracemalloc.is_tracing()
        ignored = [
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        ]
        snapshot = tracemalloc.take_snapshot().filter_traces(ignored) if tracing else None
        types = _type_counts()
        now = time.monotonic()
        report: dict[str, object] = {
            "number": self._number,
            "seconds_since_previous": round(now - self._previous_at, 1),
            "rss_mb": round(_rss_mb(), 2),
            "malloc": _malloc(),
            "gc_frozen": gc.get_freeze_count(),
        }
        if tracing:
            traced, peak = tracemalloc.get_traced_memory()
            report.update(
                traced_mb=round(traced / 1e6, 2),
                traced_peak_mb=round(peak / 1e6, 2),
                allocated_mb=round(traced / 1e6, 2),
            )
        else:  # pymalloc says nothing while tracemalloc wraps it
            report["pymalloc"] = pymalloc = _pymalloc()
            malloc = report["malloc"]
            if pymalloc and malloc:  # small objects in pymalloc's arenas, the rest from glibc
                report["allocated_mb"] = round(
                    pymalloc["bytes_in_allocated_blocks"] / 1e6 + malloc["in_use_mb"] + malloc["mmapped_mb"], 2
                )
        if self._number:
            report["types_grown"] = [[name, diff] for name, diff in (types - self._previous_types).most_common(TOP)]
        if snapshot is not None and self._previous is not None:
            key = "traceback" if self.frames > 1 else "lineno"
            grew = snapshot.compare_to(self._previous, key)
            report["sites_grown"] = [
                {
                    "where": [f"{f.filename}:{f.lineno}" for f in stat.traceback][: self.frames],
                    "kb_diff": round(stat.size_diff / 1024, 1),
                    "kb": round(stat.size / 1024, 1),
                    "count_diff": stat.count_diff,
                }
                for stat in grew[:TOP]
            ]
        written = self.out / f"probe-{self._number}.json"
        temp = written.with_suffix(".tmp")
        temp.write_text(json.dumps(report, indent=1), encoding="utf-8")
        temp.replace(written)  # whole or absent for the soak that waits for it
        self._previous, self._previous_types, self._previous_at = snapshot, types, now
        self._number += 1


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0])
    frames = int(argv[1]) if len(argv) > 1 else 1
    out.mkdir(parents=True, exist_ok=True)
    if frames:
        tracemalloc.start(frames)
    probe = Probe(out, frames)
    signal.signal(signal.SIGUSR1, lambda *_: probe.wanted.set())
    threading.Thread(target=probe.run, name="memory-probe", daemon=True).start()
    from kiosk.cli import main as kiosk_main

    kiosk_main(["serve"], prog_name="kiosk")


if __name__ == "__main__":
    main()
