"""Wire the sync worker from the device configuration: token file, client and worker (or none)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from device.config import Config
from device.sync.client import CentralClient
from device.sync.set_aside import SetAsideEvents
from device.sync.status_file import StatusFile
from device.sync.token import TokenFile
from device.sync.worker import Backoff, SyncStatus, SyncStore, SyncWorker
from loyalty.domain.snapshot import PulledBatch
from loyalty.errors import DeviceNotEnrolled


def token_file(config: Config) -> TokenFile:
    return TokenFile(
        Path(config.central.token_file) if config.central.token_file else config.data_dir / "central.token"
    )


def status_file(config: Config) -> StatusFile:
    return StatusFile(config.data_dir / "sync-status.json")


def enrol(config: Config, code: str) -> None:
    """Trade the back office's one-time code for this device's token and keep it on disk."""
    with CentralClient(config.central.url, None, config.central.timeout_s) as client:
        token_file(config).write(client.enrol(config.device.id, code, config.device.store_id))


def build_worker(
    config: Config,
    store: SyncStore,
    on_status: Callable[[SyncStatus], None] | None = None,
    adoption: Callable[[], list[dict[str, object]]] | None = None,
    reference: Callable[[PulledBatch], None] | None = None,
    training: Callable[[], list[dict[str, object]]] | None = None,
) -> SyncWorker | None:
    """The device's sync worker, or None when no central is configured (the device works alone).

    Its status goes to `<data_dir>/sync-status.json` (for `kiosk sync status`) and to `on_status` (the UI).
    """
    if not config.central.url:
        return None
    token = token_file(config).read()
    if token is None:
        raise DeviceNotEnrolled("this device is not enrolled with central yet: run `kiosk sync enrol CODE`")
    c = config.central
    client = CentralClient(c.url, token, c.timeout_s)
    saved = status_file(config)

    def publish(status: SyncStatus) -> None:
        saved.write(status)
        if on_status is not None:
            on_status(status)

    return SyncWorker(
        store,
        client,
        push_batch=c.push_batch,
        pull_page=c.pull_page,
        interval_s=c.interval_s,
        backoff=Backoff(1.0, c.backoff_max_s),
        on_status=publish,
        adoption=adoption,
        reference=reference,
        training=training,
        set_aside=SetAsideEvents(config.data_dir),
    )
