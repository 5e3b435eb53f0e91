"""The doctor's providers wired to the real product: the running service's API, or the files and devices.

Service running: one `GET /api/status` answers devices, sync and store. Service stopped: the devices are
opened (emulated or real, as configured) under the data directory's lock, the sync state comes from
`sync-status.json` (or a probe of central when no sync has run), the store is read from a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import cache

import httpx

from device.config import Config
from hardware.errors import HardwareError
from kiosk.doctor.context import SyncState

#: Sync worker states that mean central answered on the last round.
REACHED = frozenset({"idle", "syncing", "alone"})


def sync_state_from(state: Mapping[str, object], central_url: str) -> SyncState:
    """The doctor's view of a sync status dict (from the service or from `sync-status.json`)."""
    skew = state.get("clock_skew_s")
    return replace(
        _reach_of(state, central_url),
        clock_skew_s=float(skew) if isinstance(skew, (int, float)) and not isinstance(skew, bool) else None,
    )


def _reach_of(state: Mapping[str, object], central_url: str) -> SyncState:
    name = str(state.get("state", ""))
    error = state.get("last_error")
    error = str(error) if error else None
    if name == "not_enrolled":
        return SyncState(reachable=True, token_revoked=True, last_error=error)
    if name == "never_synced":
        return probe_central(central_url)
    if name in REACHED and not error:
        return SyncState(reachable=True)
    if name in ("refused", "disk_full"):  # central answered; what failed is here
        return SyncState(reachable=True, last_error=error)
    return SyncState(reachable=False, last_error=error or f"sync state {name or 'unknown'}")


def ask_central(config: Config, timeout_s: float = 5.0) -> SyncState:
    """Ask central now with this device's token (`GET /api/sync/device`): reachable, and this device accepted.

    The doctor checks for real rather than trusting the last sync round, which says nothing after a clean
    stop or before the first round.
    """
    from device.sync.client import CentralClient
    from device.sync.setup import token_file
    from loyalty.errors import DeviceNotEnrolled, StoreError, SyncRefused, SyncUnavailable

    try:
        token = token_file(config).read()
    except (OSError, StoreError) as exc:
        return SyncState(reachable=True, last_error=f"cannot read this device's token ({exc}): run with sudo")
    if token is None:
        return SyncState(reachable=True, token_revoked=True, last_error="not enrolled")
    try:
        with CentralClient(config.central.url, token, timeout_s) as client:
            client.device_state()
    except DeviceNotEnrolled as exc:
        return SyncState(reachable=True, token_revoked=True, last_error=str(exc))
    except SyncUnavailable as exc:
        return SyncState(reachable=False, last_error=str(exc))
    except SyncRefused as exc:
        return SyncState(reachable=True, last_error=str(exc))
    return SyncState(reachable=True)


def probe_central(url: str, timeout_s: float = 5.0) -> SyncState:
    """Whether central answers HTTP at all (any status counts as reachable)."""
    try:
        httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return SyncState(reachable=False, last_error=f"{type(exc).__name__}: {exc}")
    return SyncState(reachable=True)


def from_service(config: Config) -> dict[str, Callable]:
    """Providers reading the running service's `/api/status` once."""
    from kiosk.local_api import ServiceClient

    client = ServiceClient(config)
    status = cache(client.status)
    return {
        "device_status": lambda: dict(status().get("devices") or {}),
        "sync_state": lambda: ask_central(config),
        "store_problems": lambda: tuple(status().get("problems") or ()),
    }


@contextmanager
def from_files(config: Config) -> Iterator[dict[str, Callable]]:
    """Providers for a stopped service; the devices stay open (and the lock held) inside the `with`."""
    from device.device_tests import devices_opened, settled_states
    from kiosk.status_report import read_store_offline

    others = {
        "sync_state": lambda: ask_central(config),
        "store_problems": lambda: read_store_offline(config)[3],
    }
    try:
        opened = devices_opened(config, lambda event: None)
        devices = opened.__enter__()
    except HardwareError as exc:  # the device checks say what could not be opened
        error = exc

        def failed() -> dict:
            raise error

        yield {"device_status": failed, **others}
        return
    try:
        states = settled_states(devices)
        yield {"device_status": lambda: states, **others}
    finally:
        opened.__exit__(None, None, None)
