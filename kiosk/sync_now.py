"""`kiosk sync`: one synchronisation round now, followed with a progress bar of the events still to send."""

from __future__ import annotations

import time

import click

from device.config import Config, load_config
from loyalty.errors import SyncError

ROUND_TIMEOUT_S = 300.0
POLL_S = 0.2


def sync_now_command() -> None:
    """Run or follow a round and say how it ended; SyncError (exit code 6) when it failed."""
    from kiosk.status_report import service_running

    config = load_config()
    if not config.central.url:
        click.echo("no central server configured (central.url is empty): this device works alone")
        return
    final = _through_service(config) if service_running(config) else _here(config)
    if final.get("last_error"):
        raise SyncError(
            f"sync failed: {final['last_error']} ({final.get('pending', '?')} events still to send; "
            "they are kept and sent later). Check: kiosk doctor"
        )
    click.echo(f"sync done: {final.get('pending', 0)} events still to send, last success {final.get('last_success')}")


def _bar(total: int):
    return click.progressbar(length=max(total, 1), label="sending events", show_pos=True, width=30)


def _through_service(config: Config) -> dict:
    """Ask the running service's worker for a round and follow its status until the round ends."""
    from kiosk.local_api import ServiceClient

    client = ServiceClient(config)
    before = client.status().get("sync") or {}
    answer = client.sync_now()
    if not answer.get("started"):
        state = answer.get("sync") or {}
        raise SyncError(
            f"the service does not sync ({state.get('state')}): "
            f"{state.get('last_error') or 'no sync worker'}; enrol with `kiosk enroll CODE`, "
            "then: sudo systemctl restart kiosk"
        )
    total = int(before.get("pending") or 0)
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    with _bar(total) as bar:
        done = 0
        while True:
            state = client.status().get("sync") or {}
            sent = max(0, total - int(state.get("pending") or 0))
            bar.update(sent - done)
            done = sent
            if state.get("state") != "syncing" and _round_ended(before, state):
                if not state.get("last_error"):
                    bar.update(max(total, 1) - done)
                return state
            if time.monotonic() >= deadline:
                raise SyncError(f"the sync round did not end within {ROUND_TIMEOUT_S:.0f} s; see: kiosk logs -n 50")
            time.sleep(POLL_S)


def _round_ended(before: dict, now: dict) -> bool:
    keys = ("last_success", "consecutive_failures", "pulled_pages_total", "pushed_total")
    return any(before.get(k) != now.get(k) for k in keys)


def _here(config: Config) -> dict:
    """Run the round in this process, holding the data directory's lock (the service is stopped)."""
    import dataclasses

    from device.sync.setup import build_worker
    from kiosk.service import KioskService

    with KioskService.open(config, devices=False, sync=False, lock_wait_s=0, lock_holder="sync") as service:
        total = service.store.pending_count()
        with _bar(total) as bar:
            progress = {"done": 0}

            def on_status(status) -> None:
                sent = max(0, total - status.pending)
                bar.update(sent - progress["done"])
                progress["done"] = sent

            worker = build_worker(config, service.store, on_status=on_status)
            assert worker is not None  # central.url is set
            final = worker.sync_once()
    return dataclasses.asdict(final)
