"""Soak: the real service, a card tap every 200 ms, with a central to sync with; do memory, descriptors and
files level off?

`python -m bench.soak [--quick]` starts `kiosk serve` in its own process (emulated reader and printer) over a
store of invented customers, enrolled with a central server run in this process (SQLite), and has the POS
push a basket and the emulated reader see a card every 200 ms for 15 minutes (2 with --quick). Each tap is an
earn, a receipt on the emulated printer and, every few seconds, a sync round. Every 5 s it samples the
service's RSS, open descriptors, threads and the size of every file in its data directory. The RSS slope
over the last third of the run says whether memory still grows; the baseline, measured in the same run, is
the same service left idle for the first part (no taps): its slope is what start-up settling alone gives.

Bounded growth is told from a leak by letting every cap fill before the last third: the store keeps the own
earns central has folded, for refunds (`till.kept_earns`, 20 000 by default), so the run configures a cap
that a quarter of the taps fill (`--kept-earns`), and the cost at the default cap is measured apart, in this
process (`kept_earn_bytes`), and printed. The other caps fill within two minutes of taps (500 receipts on
the emulated printer and in the print journal, 64 level changes per emulated pin). Memory then levels off
when what the service has allocated (pymalloc's blocks and glibc's heap in use, read by `bench.memory_probe`
at each third, without tracemalloc) grows less than `LEVEL_MB_PER_H` in the last third: its RSS, printed
too, wanders by half a megabyte as the allocators reuse and fragment their free memory, which hides a slow
leak in 5 minutes. A file levels off when its peak in the last third is not above its peak in the middle
third, or when it stays under its documented cap (the log, rotated at 1 MB). `--trace DIR` runs the service
under tracemalloc to say what grew, by file:line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from device.store.store import KEPT_EARNS

ROOT = Path(__file__).resolve().parents[1]
TAP_EVERY_S = 0.2
SAMPLE_EVERY_S = 5.0
CUSTOMERS = 2000
#: RSS slope (MB/h) in the last third under which memory counts as level: a leak of 1 MB/h is 0.7 GB a month.
LEVEL_MB_PER_H = 1.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return {"rss_mb": rss_kb / 1024, "threads": threads, "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def _files(data: Path) -> dict[str, int]:
    return {str(p.relative_to(data)): p.stat().st_size for p in data.rglob("*") if p.is_file()}


def _files_growing(samples: list, duration: float) -> tuple[list[str], list[str]]:
    """Files whose peak in the last third is above their peak in the middle third, beyond a little noise (a
    file compacted now and then grows in teeth: peaks, not ends, are compared); and of those, the ones still
    under their documented cap (the log, rotated at MAX_BYTES)."""
    from kiosk.service_log import LOG_NAME, MAX_BYTES

    middle = [f for t, _, f in samples if duration / 3 <= t < duration * 2 / 3]
    last = [f for t, _, f in samples if t >= duration * 2 / 3]
    names = {name for _, _, files in samples for name in files if not name.endswith(".tmp")}  # atomic writes
    growing = sorted(
        name
        for name in names
        if max((f.get(name, 0) for f in last), default=0)
        > 1.2 * max((f.get(name, 0) for f in middle), default=0) + 65536
    )
    rotated = re.compile(re.escape(LOG_NAME) + r"(\.\d+)?")
    within = [
        name for name in growing if rotated.fullmatch(name) and max(f.get(name, 0) for f in last) <= MAX_BYTES + 4096
    ]
    return [name for name in growing if name not in within], within


def _read_probe(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"no memory probe in {path.name} ({exc})")
        return {}


def _print_probe(probe: dict) -> None:
    """What grew in the last third, as the service's memory probe wrote it."""
    if not probe:
        return
    print(
        f"last third, under tracemalloc: RSS {probe['rss_mb']} MB, traced {probe.get('traced_mb')} MB, "
        f"glibc heap {probe['malloc']}"
    )
    for site in probe.get("sites_grown", [])[:12]:
        print(f"  {site['kb_diff']:+9.1f} KB {site['count_diff']:+7d} blocks  {' <- '.join(site['where'])}")
    grown = probe.get("types_grown", [])[:10]
    print("  objects grown by type: " + ", ".join(f"{name} {diff:+d}" for name, diff in grown))


def _slope_per_h(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per hour."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in samples) / var * 3600


def kept_earn_bytes(earns: int = 2000, customers: int = 200) -> float:
    """Memory (bytes, traced by tracemalloc) one more kept earn costs the store once central has folded it."""
    import gc
    import tracemalloc

    from device.store import FileOps, Store
    from loyalty.domain.events import PointsEarned
    from loyalty.domain.snapshot import CustomerState, PulledBatch

    class NoSync(FileOps):  # memory is measured here, not durability
        def fsync(self, fd: int) -> None:
            pass

        def fsync_dir(self, directory: Path) -> None:
            pass

    def earn_and_fold(store: Store, first: int, count: int) -> None:
        for n in range(first, first + count):  # like the till's: a random event id, one receipt each
            cid = store.customer(f"cust-{n % customers:04d}").customer_id
            store.record(
                PointsEarned(
                    device_id="till-1",
                    customer_id=cid,
                    receipt_ref=f"T1-{n:08d}",
                    amount_cents=1000 + n % 500,
                    points=10,
                    lines=(("general", 1000 + n % 500, 10),),
                    at=f"2026-03-{1 + n // 1000:02d}T10:00:00+01:00",
                )
            )
        store.apply_batch(PulledBatch(cursor=first + count, device_seq_through=store.pending()[-1].seq))

    with (
        tempfile.TemporaryDirectory(prefix="kiosk-kept-") as tmp,
        Store.open(Path(tmp), "till-1", fileops=NoSync(), kept_earns=earns * 2) as store,
    ):
        store.apply_batch(
            PulledBatch(
                cursor=0, customers=tuple(CustomerState(f"cust-{n:04d}", 0, f"Client{n}") for n in range(customers))
            )
        )
        tracemalloc.start()
        try:
            earn_and_fold(store, 0, earns // 4)  # dictionaries reach their working size first
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            earn_and_fold(store, earns // 4, earns)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        if store.pending_count() or store.earn_for_receipt("T1-00000000") is None:
            raise RuntimeError("the store did not keep the folded earns")
    return grown / earns


def _setup(workdir: Path, kept_earns: int):
    from bench.tap import seed_store
    from central.embedded import start_background
    from device.store import Store

    central = start_background(f"sqlite:///{workdir / 'central.db'}", threads=4)
    data = workdir / "data"
    store = Store.open(data / "store", "soak-till")
    seed_store(store, CUSTOMERS)
    store.close()
    from device.sync.token import TokenFile

    TokenFile(data / "central.token").write(central.enrol_device("soak-till"))  # as `kiosk enroll` leaves it
    port = _free_port()
    config = workdir / "kiosk.toml"
    config.write_text(
        f'[device]\nid = "soak-till"\n[paths]\ndata_dir = "{data}"\n[hardware]\nmode = "emulated"\n'
        f'[web]\nport = {port}\n[central]\nurl = "{central.url}"\ntimeout_s = 5\ninterval_s = 5\n'
        '[till]\ncapture_mode = "off"\n'
        f"kept_earns = {kept_earns}\n",
        encoding="utf-8",
    )
    return central, data, config, port


def _tapper(base: str, stop: threading.Event, counts: dict[str, int]) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=10) as web:
        token = re.search(r'data-csrf="([^"]*)"', web.get("/panel/").text).group(1)
        headers = {"X-CSRFToken": token}
        n = 0
        next_at = time.monotonic()
        while not stop.is_set():
            uid = f"{0xA0000000 + n % CUSTOMERS:08X}"
            try:
                web.post(
                    "/api/till/basket", json={"lines": {"general": 1000 + n % 500}, "receipt_ref": f"SOAK-{n:07d}"}
                ).raise_for_status()
                web.post("/panel/card", json={"uid": uid}, headers=headers).raise_for_status()
                time.sleep(TAP_EVERY_S / 2)
                web.post("/panel/card/remove", headers=headers).raise_for_status()
                counts["taps"] += 1
            except httpx.HTTPError:
                counts["errors"] += 1
            n += 1
            next_at += TAP_EVERY_S
            time.sleep(max(0.0, next_at - time.monotonic()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 minutes instead of 15")
    parser.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--kept-earns",
        type=int,
        default=None,
        metavar="N",
        help="the service's till.kept_earns (default: the earns of a quarter of the taps)",
    )
    parser.add_argument(
        "--trace",
        type=Path,
        default=None,
        metavar="DIR",
        help="run the service under bench.memory_probe (tracemalloc; slower, more memory) and "
        "write what grew in each third to DIR; the RSS figures are then not the service's own",
    )
    parser.add_argument("--trace-frames", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    duration = args.seconds or (120.0 if args.quick else 900.0)
    idle_s = max(15.0, duration / 6)
    kept_cap = args.kept_earns or max(50, int(duration / 4 / TAP_EVERY_S))
    import httpx

    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
        workdir = Path(tmp)
        central, data, config, port = _setup(workdir, kept_cap)
        env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        probe_dir = args.trace or workdir / "probe"
        # The service as `kiosk serve` runs it, with a probe thread that reports its allocated memory on SIGUSR1
        # (no tracemalloc unless --trace): RSS alone cannot tell a slow leak from allocator noise in 5 minutes.
        frames = args.trace_frames if args.trace else 0
        command = [sys.executable, "-m", "bench.memory_probe", str(probe_dir), str(frames)]
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/api/status", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the service did not start") from None
                    time.sleep(0.2)
            started = time.monotonic()
            idle: list[tuple[float, float]] = []
            while time.monotonic() - started < idle_s:  # baseline: the same service, no taps
                idle.append((time.monotonic() - started, _proc(server.pid)["rss_mb"]))
                time.sleep(1.0)
            first = _proc(server.pid)
            probes = [duration / 3, duration * 2 / 3, float("inf")]
            server.send_signal(signal.SIGUSR1)
            data_start = sum(_files(data).values()) / 1e6
            stop = threading.Event()
            counts = {"taps": 0, "errors": 0}
            tapper = threading.Thread(target=_tapper, args=(base, stop, counts), daemon=True)
            began = time.monotonic()
            tapper.start()
            samples = []
            print(f"{'t (s)':>7} {'taps':>6} {'RSS MB':>7} {'fds':>4} {'threads':>7} {'data MB':>8}  largest file")
            while time.monotonic() - began < duration:
                time.sleep(SAMPLE_EVERY_S)
                now = time.monotonic() - began
                proc = _proc(server.pid)
                try:
                    pending = httpx.get(base + "/api/status", timeout=5).json().get("pending") or 0
                except httpx.HTTPError:
                    pending = 0
                proc["folded"] = counts["taps"] - pending  # earns central has folded, kept by the store
                files = _files(data)
                samples.append((now, proc, files))
                if now >= probes[0]:
                    probes.pop(0)
                    server.send_signal(signal.SIGUSR1)
                name, size = max(files.items(), key=lambda kv: kv[1])
                print(
                    f"{now:7.0f} {counts['taps']:6d} {proc['rss_mb']:7.1f} {proc['fds']:4.0f} "
                    f"{proc['threads']:7.0f} {sum(files.values()) / 1e6:8.2f}  {name} {size / 1e6:.2f} MB"
                )
            stop.set()
            tapper.join(timeout=10)
            server.send_signal(signal.SIGUSR1)
            last_probe = probe_dir / "probe-3.json"
            waited = time.monotonic() + 120  # a snapshot under tracemalloc takes a while
            while not last_probe.exists() and time.monotonic() < waited:
                time.sleep(1)
            reports = [_read_probe(probe_dir / f"probe-{n}.json") for n in range(4)]
            status = httpx.get(base + "/api/status", timeout=10).json()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            central.stop()
            central.engine.dispose()
    last_third = [(t, p["rss_mb"]) for t, p, _ in samples if t >= duration * 2 / 3]
    end_t, end, end_files = samples[-1]
    growing, within_cap = _files_growing(samples, duration)
    full_at = next((t for t, p, _ in samples if p["folded"] >= kept_cap), None)
    slope = _slope_per_h(last_third)
    per_earn = kept_earn_bytes()
    start_probe, third_probe, end_probe = reports[0], reports[2], reports[3]
    allocated_per_h = None
    if "allocated_mb" in third_probe and "allocated_mb" in end_probe and end_probe.get("seconds_since_previous"):
        allocated_per_h = (
            (end_probe["allocated_mb"] - third_probe["allocated_mb"]) / end_probe["seconds_since_previous"] * 3600
        )
    levels_off = (
        allocated_per_h is not None
        and allocated_per_h <= LEVEL_MB_PER_H
        and not growing
        and full_at is not None
        and full_at < duration * 2 / 3
    )
    print(
        f"files still growing in the last third: {', '.join(growing) or 'none'}"
        + (f" (growing under their cap: {', '.join(within_cap)})" if within_cap else "")
    )
    print(
        f"kept earns: cap {kept_cap} here, full after {full_at if full_at is None else round(full_at)} s of taps; "
        f"{per_earn:.0f} bytes each, {per_earn * KEPT_EARNS / 1e6:.1f} MB at the default cap of {KEPT_EARNS}"
    )
    allocated = "unknown" if allocated_per_h is None else f"{allocated_per_h:+.1f}"
    verdict = "levels off" if levels_off else "STILL GROWS"
    print(
        f"memory in the last third: allocated {allocated} MB/h, RSS {slope:+.1f} MB/h ({verdict}: allocated "
        f"memory must grow under {LEVEL_MB_PER_H} MB/h once every cap is full)"
    )
    result = {
        "seconds": round(duration),
        "taps": counts["taps"],
        "tap_errors": counts["errors"],
        "pending_at_end": status.get("pending"),
        "rss_mb_start": round(first["rss_mb"], 1),
        "rss_mb_end": round(end["rss_mb"], 1),
        "fds_start": int(first["fds"]),
        "fds_end": int(end["fds"]),
        "threads_end": int(end["threads"]),
        "data_mb_start": round(data_start, 2),
        "data_mb_end": round(sum(end_files.values()) / 1e6, 2),
        "print_journal_mb_end": round(end_files.get("print-jobs.jsonl", 0) / 1e6, 3),
        "rss_slope_mb_per_h_last_third": round(slope, 1),
        "baseline_idle_rss_slope_mb_per_h": round(_slope_per_h(idle), 1),
        "files_growing_last_third": growing,
        "files_growing_under_cap": within_cap,
        "kept_earns_cap": kept_cap,
        "kept_earns_full_after_s": full_at if full_at is None else round(full_at),
        "kept_earn_bytes": round(per_earn),
        "kept_earns_mb_at_default_cap": round(per_earn * KEPT_EARNS / 1e6, 1),
        "allocated_mb_start": start_probe.get("allocated_mb"),
        "allocated_mb_end": end_probe.get("allocated_mb"),
        "allocated_mb_per_h_last_third": allocated_per_h if allocated_per_h is None else round(allocated_per_h, 2),
        "malloc_free_kept_mb_end": end_probe.get("malloc", {}).get("free_kept_mb"),
        "levels_off": levels_off,
    }
    if args.trace:
        _print_probe(reports[3])
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
