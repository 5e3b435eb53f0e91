"""Card tap to balance on the till screen: emulated MFRC522 tap -> reader loop -> till -> SSE -> Chromium.

`python -m bench.tap [--quick]` runs 200 taps (30 with --quick) on a till with emulated devices, signed in
in headless Chromium (Debian's /usr/bin/chromium). Each tap credits a keyed sale; the time runs from laying
the card on the emulated reader to the new balance shown on the page. The baseline, measured in the same
run, is the same tap up to the till's bus message (no browser): what the screen adds is the difference.
Also: the till's own time per tap (server; it includes the fsync that makes the earn durable, so a bare
fsync in the same directory is measured as its baseline) and the weight of everything the till page loads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
CUSTOMERS = 1000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _config(data_dir: Path):
    from device.config import parse_config

    return parse_config(
        {
            "device": {"id": "bench-till", "role": "till"},
            "paths": {"data_dir": str(data_dir)},
            "hardware": {"mode": "emulated"},
            "till": {"capture_mode": "off"},
        }
    )


def seed_store(store, count: int) -> None:
    """Invented customers with one card each (A0000000...), as a pull from central would bring them."""
    from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

    customers = tuple(
        CustomerState(customer_id=f"bench-{n:05d}", points=10 * n, first_name=f"Client{n}") for n in range(count)
    )
    cards = tuple(
        CardState(card_uid=f"{0xA0000000 + n:08X}", customer_id=c.customer_id) for n, c in enumerate(customers)
    )
    store.apply_batch(PulledBatch(cursor=0, customers=customers, cards=cards))


def _wait_removed(controls, service, uid: str) -> None:
    """Lift the card and wait until the reader has seen it gone (so the next lay is a new tap)."""
    with service.bus.subscribe() as sub:
        controls.remove_card()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            message = sub.get(0.05)
            if message is not None and message.kind == "card_removed" and message.data.get("uid") == uid:
                return


def _bus_taps(service, controls, uids: list[str], n: int) -> list[float]:
    """Baseline: lay the card -> the till's "earned" message on the bus."""
    times = []
    for i in range(n):
        uid = uids[i % len(uids)]
        service.till.start_sale({"general": 100})
        with service.bus.subscribe() as sub:
            started = time.perf_counter()
            controls.present_card(uid)
            while True:
                message = sub.get(2)
                if message is None:
                    raise RuntimeError("the till did not answer a tap within 2 s")
                if message.kind == "till" and message.data.get("event") == "earned":
                    times.append((time.perf_counter() - started) * 1000)
                    break
        _wait_removed(controls, service, uid)
    return times


def _page_taps(page, service, controls, uids: list[str], n: int) -> list[float]:
    times = []
    for i in range(n):
        uid = uids[i % len(uids)]
        service.till.start_sale({"general": 100})
        expected = service.store.customer_by_card(uid).points + 1
        started = time.perf_counter()
        controls.present_card(uid)
        page.wait_for_function(
            "p => document.getElementById('customer-points').textContent === String(p)"
            " && document.getElementById('points-earned').textContent !== ''",
            arg=expected,
            polling="raf",
            timeout=5000,
        )
        times.append((time.perf_counter() - started) * 1000)
        page.evaluate("document.getElementById('points-earned').textContent = ''")
        _wait_removed(controls, service, uid)
    return times


def _fsync_ms(directory: Path, n: int) -> list[float]:
    """Baseline for the till's own time: one small append + fsync in the data directory (what a record costs)."""
    import os

    times = []
    fd = os.open(directory / "fsync-probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(n):
            started = time.perf_counter()
            os.write(fd, b"x" * 300)
            os.fsync(fd)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
    return times


def run(taps: int) -> dict:
    from playwright.sync_api import sync_playwright

    from kiosk.runner import WebServer
    from kiosk.service import KioskService
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp, KioskService.open(_config(Path(tmp)), sync=False) as service:
        seed_store(service.store, CUSTOMERS)
        service.till.cashiers.add("Bench", "cashier", "1234", cashier_id="bench")
        controls = service.devices.emulators
        uids = [f"{0xA0000000 + n:08X}" for n in range(1, 51)]
        server = WebServer(create_app(service), "127.0.0.1", 0).start()
        base = server.url.rstrip("/")
        try:
            bus_ms = _bus_taps(service, controls, uids, max(10, taps // 4))
            service.till.server_ms.clear()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(
                    viewport={"width": 800, "height": 480}, bypass_csp=True
                )  # polled by a script predicate each frame
                loaded: list[int] = []

                def count(response) -> None:
                    if "text/event-stream" in response.headers.get("content-type", ""):
                        return
                    try:
                        loaded.append(len(response.body()))
                    except Exception:  # a redirect has no body
                        pass

                page.goto(base + "/till/signin")
                page.check("input[value=bench]")
                page.fill("#pin", "1234")
                page.click("#signin")
                page.wait_for_selector("body[data-live=yes]")
                page.on("response", count)
                page.reload()
                page.wait_for_selector("body[data-live=yes]")
                page.remove_listener("response", count)
                page_kb = round(sum(loaded) / 1024, 1)
                page_ms = _page_taps(page, service, controls, uids, taps)
                browser.close()
            server_ms = list(service.till.server_ms)
            fsync_ms = _fsync_ms(Path(tmp), taps)
        finally:
            server.close()
    return {
        "taps": taps,
        "tap_p50_ms": round(statistics.median(page_ms), 1),
        "tap_p95_ms": round(percentile(page_ms, 95), 1),
        "server_p50_ms": round(statistics.median(server_ms), 2),
        "server_p95_ms": round(percentile(server_ms, 95), 2),
        "page_kb": page_kb,
        "baseline_fsync_p95_ms": round(percentile(fsync_ms, 95), 2),
        "baseline_bus_p50_ms": round(statistics.median(bus_ms), 1),
        "baseline_bus_p95_ms": round(percentile(bus_ms, 95), 1),
        "screen_adds_p50_ms": round(statistics.median(page_ms) - statistics.median(bus_ms), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 taps instead of 200")
    args = parser.parse_args(argv)
    result = run(30 if args.quick else 200)
    rows = [
        ("tap -> balance on screen, p50", f"{result['tap_p50_ms']} ms", "target p95 < 150 ms"),
        ("tap -> balance on screen, p95", f"{result['tap_p95_ms']} ms", ""),
        ("baseline: tap -> till bus message, p50", f"{result['baseline_bus_p50_ms']} ms", "no browser"),
        ("baseline: tap -> till bus message, p95", f"{result['baseline_bus_p95_ms']} ms", ""),
        ("till work per tap (server), p95", f"{result['server_p95_ms']} ms", "target < 5 ms"),
        ("baseline: one 300-byte append + fsync, p95", f"{result['baseline_fsync_p95_ms']} ms", "disk now"),
        ("till page, all assets", f"{result['page_kb']} KB", "target < 100 KB"),
    ]
    print(f"bench.tap: {result['taps']} taps, {CUSTOMERS} customers, emulated MFRC522 (50 ms poll), headless Chromium")
    for name, value, note in rows:
        print(f"  {name:<42} {value:>10}   {note}")
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
