"""The kiosk service: one object that owns the store, the devices, the sync worker and the event bus.

The web layer and the CLI talk to this object only; they never open the store or a device themselves.
Device threads report through `_on_device_event`, which republishes on the bus for the live pages.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from device.bus import EventBus
from device.config import Config
from device.disk_space import DiskWatch
from device.service_lock import ServiceLock
from device.store import Store
from hardware.errors import HardwareError
from kiosk import __version__
from loyalty.errors import DeviceNotEnrolled

logger = logging.getLogger(__name__)

#: How long the service waits for a `kiosk` command holding the data directory's lock.
LOCK_WAIT_S = 30.0
#: A worker thread whose loop has not turned for this long is stuck (its longest wait is a few seconds, a
#: receipt prints in one or two; the device manager replaces a stuck reader after 5 s).
STALLED_AFTER_S = 60.0


@dataclass(frozen=True)
class ServiceState:
    """What the status page and `kiosk status` show."""

    version: str
    device_id: str
    device_name: str
    role: str
    customers: int
    cards: int
    pending: int
    cursor: int
    problems: tuple[str, ...]
    devices: dict[str, str]
    sync: dict[str, object]
    disk_full: bool = False


class KioskService:
    """Owns everything one device runs; closing it closes everything it opened, in reverse order."""

    def __init__(
        self, config: Config, store: Store, bus: EventBus | None = None, *, devices: bool = False, central: bool = False
    ):
        """`devices`: build the devices (started by `open`); `central`: a client for the till's online calls."""
        self.config = config
        self.store = store
        self.bus = bus or EventBus()
        self.devices = None
        self.sync = None
        self.sync_problem: str | None = None
        self.disk = DiskWatch(config.data_dir)  # a full disk still starts: balances show, writes are refused
        self._closed = False
        self.lock: ServiceLock | None = None
        from device.reference_cache import ReferenceCache

        self.reference = ReferenceCache(config.data_dir / "reference-data.json")  # central's settings, both roles
        self._voucher_client = None
        self._lookup_client = None
        if devices:
            from hardware import build_devices

            # Events flow only once `open` starts the devices, after the till below exists.
            self.devices = build_devices(config.hardware, config.data_dir, self._on_device_event)
        try:
            self.till = self._build_till(central) if config.device.role == "till" else None
        except BaseException:
            if self.devices is not None:
                self.devices.close()
            raise

    def _build_till(self, central: bool):
        """The cashier's till with everything it uses, central's calls included when this till has central."""
        from device.sync.phone_codes import verifier_from_config
        from device.till import Till

        client = lookups = None
        if central:
            from device.till.vouchers import central_lookup_client, central_voucher_issuer

            client = self._voucher_client = central_voucher_issuer(self.config)
            lookups = self._lookup_client = central_lookup_client(self.config)
        return Till(
            self.config,
            self.store,
            self.bus,
            devices=self.devices,
            sync_state=self.sync_state,
            reference=self.reference,
            phone_verifier=verifier_from_config(self.config),
            voucher_issuer=client.issue_voucher if client else None,
            daily_summary_source=client.daily_summary if client else None,
            receipt_source=client.receipt_earn if client else None,  # refunds of another till's receipt
            customers=lookups,
        )  # cards and customers of other stores

    @classmethod
    def open(
        cls,
        config: Config,
        *,
        devices: bool = True,
        sync: bool = True,
        lock_wait_s: float = LOCK_WAIT_S,
        lock_holder: str = "service",
    ) -> KioskService:
        """Open the store, then start the devices and the sync worker (each optional, for tests and tools).

        The data directory's lock is taken first (waiting a little for a `kiosk` command that holds it), so
        only one process ever writes the store or drives the devices.
        """
        lock = ServiceLock(config.data_dir).acquire(wait_s=lock_wait_s, holder=lock_holder)
        try:
            store = Store.open(
                store_dir(config),
                config.device.id,
                kept_earns=config.till.kept_earns,
                max_customers=config.cache.customer_bound,
            )
        except BaseException:
            lock.release()
            raise
        try:
            service = cls(config, store, devices=devices, central=sync)
        except BaseException:
            store.close()
            lock.release()
            raise
        service.lock = lock
        try:
            if service.devices is not None:
                service.devices.start()
            if sync:
                service._start_sync()
        except BaseException:
            service.close()
            raise
        logger.info("service open for device %s (%s)", config.device.id, config.device.role)
        return service

    def _start_sync(self) -> None:
        from device.sync.setup import build_worker

        try:
            till = self.till
            self.sync = build_worker(
                self.config,
                self.store,
                on_status=self._on_sync_status,
                adoption=till.adoption.day_figures if till else None,
                reference=self.reference.apply,
                training=till.training_book.progress if till else None,
            )
        except DeviceNotEnrolled as error:
            # The till keeps working offline; the status page and `kiosk doctor` say what to do.
            self.sync_problem = str(error)
            logger.error("sync disabled: %s", error)
            return
        if self.sync is not None:
            self.sync.start()

    def _on_device_event(self, event) -> None:
        data = {"device": event.device, "uid": event.uid, "payload": event.payload, "detail": event.detail}
        if event.status is not None:
            data["state"] = event.status.state
        self.bus.publish(event.kind, data)
        if self.till is not None and event.kind in ("card_tapped", "qr_scanned"):
            self._to_till(event)

    def _to_till(self, event) -> None:
        """A card tap or phone QR goes to the till; what it refuses is already on the screen."""
        from hardware.errors import HardwareError
        from loyalty.errors import KioskError

        try:
            if event.kind == "card_tapped":
                self.till.card_presented(event.uid, via="card")
            else:
                self.till.qr_presented(event.payload or "")
        except (KioskError, HardwareError) as error:
            logger.info("till refused a %s: %s", event.kind, type(error).__name__)

    def _on_sync_status(self, status) -> None:
        self.bus.publish("sync_status", dataclasses.asdict(status))
        if status.state == "idle" and self.till is not None:
            self.till.central_answers()

    def sync_state(self) -> dict[str, object]:
        """The sync worker's status for screens and tools; `state` is "alone" with no central configured."""
        if self.sync is not None:
            return dataclasses.asdict(self.sync.status())
        if self.sync_problem:
            return {"state": "not_enrolled", "last_error": self.sync_problem, "pending": self.store.pending_count()}
        return {"state": "alone", "pending": self.store.pending_count()}

    def liveness_probes(self, stalled_after_s: float = STALLED_AFTER_S) -> dict[str, Callable[[], bool]]:
        """Checks the systemd watchdog runs: each must say True for the service to count as alive.

        A thread counts only while it makes progress (its loop turned within `stalled_after_s`): a deadlocked
        thread is still alive, and only progress tells it apart.
        """
        if self.devices is None:
            return {}
        devices = self.devices  # the manager may replace a stuck reader: always ask for the current one
        return {
            "reader loop": lambda: devices.reader.making_progress(stalled_after_s),
            "print worker": lambda: devices.printer.making_progress(stalled_after_s),
            "device supervisor": lambda: devices.supervising(stalled_after_s),
        }

    def device_states(self) -> dict[str, str]:
        if self.devices is None:
            return {}
        return {name: status.state for name, status in self.devices.status().items()}

    def state(self) -> ServiceState:
        stats = self.store.stats()
        return ServiceState(
            version=__version__,
            device_id=self.config.device.id,
            device_name=self.config.device.name,
            role=self.config.device.role,
            customers=stats.customers,
            cards=stats.cards,
            pending=stats.pending,
            cursor=stats.cursor,
            problems=tuple(stats.problems),
            devices=self.device_states(),
            sync=self.sync_state(),
            disk_full=self.disk.full,
        )

    def sync_now(self) -> bool:
        """Ask the sync worker for a round now; False when there is no worker (alone or not enrolled)."""
        if self.sync is None:
            return False
        self.sync.wake()
        return True

    def backup_archive(self) -> bytes:
        """A consistent backup of the store, taken while the service keeps running (`kiosk backup`)."""
        from kiosk.backup import backup_archive

        return backup_archive(store_dir(self.config), self.config.device.id)

    def print_test_page(self) -> str:
        """Queue the printer's test page (`kiosk test-printer`); returns the job id."""
        from device.device_tests import test_page

        if self.devices is None:
            raise HardwareError("this service runs without devices: there is no printer to test")
        return self.devices.print(test_page(self.config))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:  # first, while the printer is still there for its last receipts
            if self.till is not None:
                self.till.close()
        except Exception:  # the till's figures are not worth keeping the store open
            logger.exception("closing the till failed")
        for name, stop in (
            ("sync", self.sync and self.sync.stop),
            ("devices", self.devices and self.devices.close),
            ("voucher client", self._voucher_client and self._voucher_client.close),
            ("look-up client", self._lookup_client and self._lookup_client.close),
        ):
            if not stop:
                continue
            try:
                stop()
            except Exception:  # one part failing to stop must not keep the store open
                logger.exception("stopping %s failed", name)
        self.store.close()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> KioskService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_dir(config: Config) -> Path:
    return config.data_dir / "store"
