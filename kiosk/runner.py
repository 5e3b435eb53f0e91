"""Run the service and its web UI until the process is told to stop."""

from __future__ import annotations

import logging
import signal
import threading

from waitress.server import create_server

from kiosk.config import Config
from kiosk.service import KioskService
from web import create_app

logger = logging.getLogger(__name__)


def serve(service: KioskService, host: str, port: int, ready: threading.Event | None = None,
          stop: threading.Event | None = None) -> None:
    """Serve the web UI of `service` on host:port until SIGTERM/SIGINT or `stop` is set."""
    app = create_app(service)
    server = create_server(app, host=host, port=port, threads=8, ident="kiosk")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    logger.info("web UI listening on http://%s:%s/", host, server.effective_port)
    if ready is not None:
        ready.set()
    try:
        stop.wait()
    finally:
        server.close()
        thread.join(timeout=5)


def run(config: Config, host: str | None = None, port: int | None = None) -> None:
    with KioskService.open(config) as service:
        serve(service, host or config.web.host, port or config.web.port)
