"""systemd readiness and watchdog notifications, sent only while every part of the service is alive.

The sd_notify protocol is spoken by hand (one datagram per message to `$NOTIFY_SOCKET`, a leading '@'
meaning an abstract socket name) so the service needs no extra package. `Watchdog` sends `WATCHDOG=1`
every `WatchdogSec/2` (from `$WATCHDOG_USEC`) as long as each registered liveness probe (for example
the reader loop's and the print worker's progress, and the web server answering a request) answers True. When one
of them dies the pings stop, and systemd kills and restarts the service after `WatchdogSec=`: a hung or dead
worker thread inside a live process is caught, not only a crashed process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

logger = logging.getLogger(__name__)

Probe = Callable[[], bool]


class SystemdNotifier:
    """Sends sd_notify messages to `$NOTIFY_SOCKET`; does nothing when not started by systemd."""

    def __init__(self, address: str | None = None) -> None:
        if address is None:
            address = os.environ.get("NOTIFY_SOCKET") or None
        self._address = _socket_address(address) if address else None
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *assignments: str) -> bool:
        """Send one message made of `KEY=value` lines; True when it was handed to the socket."""
        if self._address is None:
            return False
        message = "\n".join(assignments).encode("utf-8")
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.sendto(message, self._address)
            except OSError as exc:
                logger.warning("cannot notify systemd: %s", exc)
                return False
        return True

    def ready(self, status: str = "running") -> bool:
        return self.notify("READY=1", f"STATUS={status}")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def ping(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def _socket_address(address: str) -> str | bytes:
    if address.startswith("@"):
        return b"\0" + address[1:].encode("utf-8")
    if not address.startswith("/"):
        raise ValueError(f"NOTIFY_SOCKET must be an absolute path or start with '@', got {address!r}")
    return address


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of `$WATCHDOG_USEC`), or None when systemd asked for no watchdog."""
    environ = os.environ if environ is None else environ
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Pings systemd from its own thread while every liveness probe says alive; `close()` is idempotent."""

    def __init__(
        self,
        notifier: SystemdNotifier,
        interval_s: float | None,
        probes: Mapping[str, Probe] | None = None,
    ) -> None:
        self._notifier = notifier
        self._interval_s = interval_s
        self._probes: dict[str, Probe] = dict(probes or {})
        self._probes_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_dead: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, probes: Mapping[str, Probe] | None = None) -> Watchdog:
        """The watchdog systemd asked for through `$NOTIFY_SOCKET` and `$WATCHDOG_USEC`."""
        return cls(SystemdNotifier(), watchdog_interval(), probes)

    @property
    def interval_s(self) -> float | None:
        return self._interval_s

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def add_probe(self, name: str, probe: Probe) -> None:
        """Register one more part of the service that must be alive for the pings to go on."""
        with self._probes_lock:
            self._probes[name] = probe

    def dead_parts(self) -> tuple[str, ...]:
        """Names of the probes that do not answer True (a probe that raises counts as dead)."""
        with self._probes_lock:
            probes = list(self._probes.items())
        dead = []
        for name, probe in probes:
            try:
                alive = bool(probe())
            except Exception:  # a broken probe must stop the pings, not the watchdog thread
                logger.exception("liveness probe %s failed", name)
                alive = False
            if not alive:
                dead.append(name)
        return tuple(dead)

    def beat(self) -> bool:
        """Check every probe once and ping systemd if all are alive; True when a ping was sent."""
        dead = self.dead_parts()
        if dead:
            if dead != self._last_dead:
                logger.error("not pinging the systemd watchdog: %s stopped", ", ".join(dead))
                self._notifier.status("stopped: " + ", ".join(dead))
            self._last_dead = dead
            return False
        if self._last_dead:
            logger.info("all parts alive again; pinging the systemd watchdog")
            self._notifier.status("running")
            self._last_dead = ()
        return self._notifier.ping()

    def ready(self, status: str = "running") -> bool:
        """Tell systemd the service is up (send once the web server listens)."""
        return self._notifier.ready(status)

    def start(self) -> None:
        """Start pinging in a daemon thread; does nothing when systemd asked for no watchdog."""
        if self._thread is not None or self._stop.is_set():
            return
        if self._interval_s is None:
            logger.info("no systemd watchdog requested")
            return
        self._thread = threading.Thread(target=self._run, name="systemd-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._interval_s is not None
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self._interval_s)

    def close(self) -> None:
        """Stop pinging and tell systemd the service is stopping."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(1.0, (self._interval_s or 0) * 2))
        self._notifier.stopping()
        self._notifier.close()

    def __enter__(self) -> Watchdog:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
