"""Run the service and its web UI until the process is told to stop."""

from __future__ import annotations

import http.client
import logging
import signal
import threading

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from device.config import Config
from kiosk.service import KioskService
from kiosk.watchdog import Watchdog
from web import create_app

logger = logging.getLogger(__name__)


class WebServer:
    """The web UI served by waitress in a background thread; port 0 picks a free port."""

    def __init__(self, app: Flask, host: str, port: int, threads: int = 8):
        self._server = create_server(app, host=host, port=port, threads=threads, ident="kiosk")
        self._thread = threading.Thread(target=self._server.run, name="web", daemon=True)
        self.host = host
        self._closed = False

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def answers(self, timeout_s: float = 2.0) -> bool:
        """True when the server answers a small request in time: a live thread whose loop or worker threads
        are stuck answers nothing, which is what the watchdog must see."""
        if not self._thread.is_alive():
            return False
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        connection = http.client.HTTPConnection(host, self.port, timeout=timeout_s)
        try:
            connection.request("HEAD", "/static/till.css", headers={"Host": f"127.0.0.1:{self.port}"})
            return connection.getresponse().status < 500
        except OSError:
            return False
        finally:
            connection.close()

    def start(self) -> WebServer:
        self._thread.start()
        logger.info("web UI listening on %s", self.url)
        return self

    def close(self) -> None:
        """Stop serving: the sockets are closed by the server's own thread, never under its select()."""
        if self._closed:
            return
        self._closed = True
        if not self._thread.is_alive():
            wasyncore.close_all(self._server._map)  # never started, or already ended: nothing selects
        else:
            try:
                self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
            except OSError:  # the trigger is already closed: the loop is ending on its own
                pass
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()


def serve(
    service: KioskService, host: str, port: int, stop: threading.Event | None = None, extensions: dict | None = None
) -> None:
    """Serve the web UI of `service` on host:port until SIGTERM/SIGINT or `stop` is set.

    Under systemd, tells it when the service is ready and pings its watchdog only while the reader loop and
    the print worker make progress and the web server answers.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    app = create_app(service)
    app.extensions.update(extensions or {})
    server = WebServer(app, host, port).start()
    watchdog = Watchdog.from_environment({**service.liveness_probes(), "web server": server.answers})
    try:
        watchdog.start()
        watchdog.ready()
        stop.wait()
    finally:
        watchdog.close()
        server.close()


def run(config: Config, host: str | None = None, port: int | None = None) -> None:
    from kiosk.service_log import start_file_log

    start_file_log(config)
    with KioskService.open(config) as service:
        serve(service, host or config.web.host, port or config.web.port)
