"""A full data directory does not stop the service: it starts, says "disk full" everywhere, refuses new
operations without losing any, and records again by itself once space is freed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from device.store import Store
from tests.cli.conftest import write_config
from tests.factories import seed_store
from tests.full_disk import fill, small_disk
from tests.spawned import tap_card, wait_answering

ROOT = Path(__file__).resolve().parents[2]
KNOWN = "A0000004"


def _kiosk(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def _serve(env, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_answering(f"http://127.0.0.1:{port}/api/status", server)
    return server


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _sale(base: str, ref: str) -> None:
    httpx.post(
        f"{base}/api/till/basket", json={"lines": {"general": 2500}, "receipt_ref": ref}, timeout=10
    ).raise_for_status()
    tap_card(base, KNOWN)


def _status(base: str) -> dict:
    return httpx.get(f"{base}/api/status", timeout=10).json()


def test_the_service_starts_on_a_full_data_directory_and_recovers_by_itself(tmp_path):
    with small_disk(tmp_path / "data", 4096) as data:
        config = write_config(tmp_path / "kiosk.toml", data)
        store = Store.open(data / "store", "till-9")
        seed_store(store, 5)
        store.close()
        env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        port = int(config.read_text().split("port = ")[1].split()[0])
        base = f"http://127.0.0.1:{port}"
        server = _serve(env, port)
        try:
            _sale(base, "FD-1")  # a receipt printed: the print journal has jobs, as on any working till
            assert _status(base)["pending"] == 1
        finally:
            _stop(server)
        filler = fill(data)
        server = _serve(env, port)  # this start failed before: "cannot write the print journal"
        try:
            state = _status(base)
            assert state["disk_full"] is True and state["customers"] == 5 and state["pending"] == 1
            assert "Disk full" in httpx.get(f"{base}/?lang=en", timeout=10).text
            assert "Disque plein" in httpx.get(f"{base}/?lang=fr", timeout=10).text
            status = _kiosk(env, "status")
            assert status.returncode == 0 and "disk full" in status.stdout, status.stdout + status.stderr
            assert json.loads(_kiosk(env, "status", "--json").stdout)["disk_full"] is True
            doctor = _kiosk(env, "doctor")
            assert doctor.returncode == 1 and "disk full" in doctor.stdout, doctor.stdout
            filler.unlink()  # space comes back: no restart needed
            assert _status(base)["disk_full"] is False
            _sale(base, "FD-3")
            assert _status(base)["pending"] == 2
        finally:
            _stop(server)
        store = Store.open(data / "store", "till-9")
        try:
            assert [e.receipt_ref for e in store.pending()] == ["FD-1", "FD-3"]
        finally:
            store.close()
