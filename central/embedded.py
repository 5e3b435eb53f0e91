"""Run central inside another process on a local port (waitress in a background thread), for the demo."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import Engine
from waitress import wasyncore
from waitress.server import create_server

from central.app import create_app
from central.devices import create_enrolment_code, enrol
from central.transactions import in_transaction

log = logging.getLogger(__name__)


def enrol_device(engine: Engine, device_id: str, name: str = "", store_id: str | None = None) -> str:
    """Register and enrol a device in one step (demo, tests, bench): returns its bearer token."""
    return in_transaction(engine, lambda c: enrol(c, device_id, create_enrolment_code(c, device_id, name), store_id))


@dataclass
class RunningCentral:
    """A central instance serving on 127.0.0.1:`port` until `stop()`."""

    app: Flask
    host: str
    port: int
    _server: object = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopping: threading.Event = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def engine(self) -> Engine:
        return self.app.extensions["central.engine"]

    def enrol_device(self, device_id: str, name: str = "", store_id: str | None = None) -> str:
        return enrol_device(self.engine, device_id, name, store_id)

    def stop(self) -> None:
        """Stop serving, closing open connections (idempotent); the database engine stays open."""
        if self._thread.is_alive():
            self._stopping.set()
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._server._map)
            self._thread.join(timeout=5)

    def __enter__(self) -> RunningCentral:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_app(app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> RunningCentral:
    """Serve an app in a daemon thread; port 0 picks a free port."""
    server = create_server(
        app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True, asyncore_loop_timeout=0.2
    )
    stopping = threading.Event()

    def loop() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # sockets closed under the loop by stop()
            if not stopping.is_set():
                log.exception("central server loop failed")

    thread = threading.Thread(target=loop, name=f"central-{server.effective_port}", daemon=True)
    thread.start()
    log.info("central serving on %s:%s", host, server.effective_port)
    return RunningCentral(app, host, int(server.effective_port), server, thread, stopping)


def start_background(
    database_url: str, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **app_options: object
) -> RunningCentral:
    """Create central on `database_url` and serve it in the background (the demo embeds it this way)."""
    return serve_app(create_app(database_url, **app_options), host, port, threads)
