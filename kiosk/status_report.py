"""What `kiosk status` and `kiosk doctor` learn about this device, from the running service or from its files.

With the service running, its local API answers (`GET /api/status`). With it stopped, the store is read from
a consistent copy in a temporary directory (so nothing of the real files is ever changed), the sync state
from `sync-status.json`, and the devices are not opened (`kiosk doctor` opens them itself).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from device.config import Config
from device.disk_space import DISK_FULL, FULL_BELOW_BYTES
from device.service_lock import holder
from device.store import Store
from device.sync.set_aside import FILE_NAME, SetAsideEvents
from kiosk import __version__
from kiosk.backup import copy_store_files
from kiosk.local_api import ServiceClient
from kiosk.service import store_dir
from loyalty.errors import StoreError


@dataclass(frozen=True)
class DiskSpace:
    path: str
    total: int
    free: int


@dataclass(frozen=True)
class StatusReport:
    """One device's state for a technician (no personal data)."""

    version: str
    service_running: bool
    service_version: str | None
    device_id: str
    role: str
    customers: int | None
    cards: int | None
    pending: int | None
    store_problems: tuple[str, ...]
    devices: dict[str, str]
    sync: dict[str, object]
    disk: DiskSpace
    disk_full: bool = False
    #: Central's view of this device asked now: missing sequence numbers and low stocks, or why not asked.
    central: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def service_running(config: Config) -> bool:
    """True when the service holds the data directory's lock (another kiosk command holding it is not)."""
    return holder(config.data_dir) == "service"


def read_store_offline(config: Config) -> tuple[int, int, int, tuple[str, ...]]:
    """(customers, cards, pending, problems) of the store, opened from a copy: the real files stay untouched."""
    files = copy_store_files(store_dir(config))
    with tempfile.TemporaryDirectory(prefix="kiosk-status-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            with Store.open(Path(tmp), config.device.id) as store:
                stats = store.stats()
        except StoreError as exc:
            return 0, 0, 0, (str(exc).replace(tmp, str(store_dir(config))),)
    problems = tuple(p.replace(tmp, str(store_dir(config))) for p in stats.problems)
    return stats.customers, stats.cards, stats.pending, problems


def offline_sync_state(config: Config) -> dict[str, object]:
    """The sync state as the service last wrote it, or what the configuration and token say."""
    from device.sync.setup import status_file, token_file

    if not config.central.url:
        return {"state": "alone"}
    if token_file(config).read() is None:
        return {"state": "not_enrolled", "last_error": "this device is not enrolled: run `kiosk enroll CODE`"}
    saved = status_file(config).read()
    if saved is None:
        return {"state": "never_synced"}
    return asdict(saved)


def disk_space(config: Config) -> DiskSpace:
    path = config.data_dir
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return DiskSpace(str(config.data_dir), usage.total, usage.free)


def central_view(config: Config, timeout_s: float = 3.0) -> dict[str, object]:
    """Central's view of this device now (gaps in its sequence numbers, low stocks), or {"error": why not}."""
    from device.sync.client import CentralClient
    from device.sync.setup import token_file
    from loyalty.errors import KioskError

    if not config.central.url:
        return {}
    try:
        token = token_file(config).read()
        if token is None:
            return {"error": "not enrolled"}
        with CentralClient(config.central.url, token, timeout_s) as client:
            return client.device_state()
    except (KioskError, OSError) as exc:
        return {"error": str(exc)}


def gather(config: Config) -> StatusReport:
    """The status from the running service if there is one, else from the files; central's view either way."""
    return replace(_gather_local(config), central=central_view(config))


def _gather_local(config: Config) -> StatusReport:
    if service_running(config):
        state = ServiceClient(config).status()
        sync = dict(state.get("sync") or {}) | {"set_aside": SetAsideEvents(config.data_dir).count()}
        return StatusReport(
            __version__,
            True,
            state.get("version"),
            state.get("device_id", config.device.id),
            state.get("role", config.device.role),
            state.get("customers"),
            state.get("cards"),
            state.get("pending"),
            tuple(state.get("problems") or ()),
            dict(state.get("devices") or {}),
            sync,
            disk_space(config),
            bool(state.get("disk_full")) or disk_space(config).free < FULL_BELOW_BYTES,
        )
    customers, cards, pending, problems = read_store_offline(config)
    disk = disk_space(config)
    return StatusReport(
        __version__,
        False,
        None,
        config.device.id,
        config.device.role,
        customers,
        cards,
        pending,
        problems,
        {},
        offline_sync_state(config) | {"set_aside": SetAsideEvents(config.data_dir).count()},
        disk,
        disk.free < FULL_BELOW_BYTES,
    )


def format_status(report: StatusReport) -> str:
    """The plain-text status for a terminal."""
    lines = [
        f"device:         {report.device_id} ({report.role})",
        f"software:       {report.version}"
        + (
            f" (service runs {report.service_version})"
            if report.service_version and report.service_version != report.version
            else ""
        ),
        "service:        "
        + ("running" if report.service_running else "stopped (start it: sudo systemctl start kiosk)"),
    ]
    if report.devices:
        lines.append("devices:        " + ", ".join(f"{k} {v}" for k, v in sorted(report.devices.items())))
    else:
        lines.append("devices:        not known while the service is stopped (kiosk doctor opens them)")
    sync = report.sync
    line = f"sync:           {sync.get('state', 'unknown')}"
    if sync.get("last_success"):
        line += f", last success {sync['last_success']}"
    if sync.get("last_error"):
        line += f", last error: {sync['last_error']}"
    lines.append(line)
    lines.append(f"pending events: {report.pending if report.pending is not None else 'unknown'}")
    if sync.get("set_aside"):
        lines.append(
            f"set aside:      {sync['set_aside']} event(s) central refuses for good, kept in "
            f"{Path(report.disk.path) / FILE_NAME} (see the back office's devices page)"
        )
    lines.append(f"customers:      {report.customers}, cards: {report.cards}")
    disk = report.disk
    pct = 100 * disk.free / disk.total if disk.total else 0
    lines.append(
        f"disk:           {_size(disk.free)} free of {_size(disk.total)} ({pct:.0f} %) for {disk.path}"
        + (
            f" — {DISK_FULL}: nothing new is recorded until space is freed (see: kiosk doctor)"
            if report.disk_full
            else ""
        )
    )
    for problem in report.store_problems:
        lines.append(f"store problem:  {problem} (see: kiosk doctor)")
    lines.extend(_central_lines(report.central))
    return "\n".join(lines)


def _central_lines(central: dict[str, object]) -> list[str]:
    if not central:
        return []
    if "error" in central:
        return [f"central view:   not asked ({central['error']})"]
    lines = []
    missing = central.get("missing") or 0
    if missing:
        ranges = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in central.get("ranges") or [])
        lines.append(
            f"central lacks:  {missing} event(s) of this device (seq {ranges}): lost with a damaged file "
            "or not sent yet; try: kiosk salvage"
        )
    else:
        lines.append(f"central holds:  every event of this device up to seq {central.get('seq_through', 0)}")
    for stock in central.get("low_stocks") or []:
        state = "out of stock" if stock.get("state") == "empty" else f"low stock, {stock.get('left')} left"
        lines.append(f"reward:         {stock.get('name')} ({stock.get('reward_id')}): {state}")
    return lines


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
