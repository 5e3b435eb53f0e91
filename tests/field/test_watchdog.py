"""The watchdog pings systemd only while every worker is alive, over a real notify socket."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.watchdog import SystemdNotifier, Watchdog, watchdog_interval
from tests.waiting import wait_until

pytestmark = pytest.mark.timeout(30)


def test_ready_and_status_reach_a_path_socket(notify_socket):
    notifier = SystemdNotifier(notify_socket.address)
    assert notifier.ready("listening on 127.0.0.1:8080")
    assert notify_socket.receive() == {"READY": "1", "STATUS": "listening on 127.0.0.1:8080"}
    notifier.close()


def test_abstract_socket_name_with_at_sign(abstract_notify_socket):
    notifier = SystemdNotifier(abstract_notify_socket.address)
    assert notifier.ping()
    assert abstract_notify_socket.receive() == {"WATCHDOG": "1"}
    notifier.close()


def test_notifier_reads_notify_socket_from_environment(notify_socket, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.address)
    notifier = SystemdNotifier()
    assert notifier.enabled
    notifier.status("hello")
    assert notify_socket.receive() == {"STATUS": "hello"}


def test_without_systemd_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = SystemdNotifier()
    assert not notifier.enabled
    assert notifier.ping() is False


def test_vanished_socket_is_logged_not_raised(tmp_path, caplog):
    notifier = SystemdNotifier(str(tmp_path / "gone.sock"))
    assert notifier.ping() is False
    assert "cannot notify systemd" in caplog.text


def test_relative_socket_path_is_refused():
    with pytest.raises(ValueError):
        SystemdNotifier("relative.sock")


def test_interval_is_half_of_watchdog_usec():
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({}) is None


def _worker(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    return thread


def test_pings_stop_when_a_worker_thread_stops_and_resume_when_it_is_back(notify_socket):
    stop_reader, stop_printer = threading.Event(), threading.Event()
    reader, printer = _worker(stop_reader), _worker(stop_printer)
    workers = {"reader loop": reader, "print worker": printer}
    watchdog = Watchdog(
        SystemdNotifier(notify_socket.address),
        interval_s=0.05,
        probes={"reader loop": lambda: workers["reader loop"].is_alive(), "print worker": printer.is_alive},
    )
    watchdog.start()
    try:
        pings = notify_socket.receive_all(within=0.3)[:3]
        assert pings and all(m == {"WATCHDOG": "1"} for m in pings)

        stop_reader.set()
        reader.join()
        # Pings sent before the thread ended may still be queued; then the status, then silence.
        for _ in range(100):
            message = notify_socket.receive(1.0)
            assert message is not None, "no STATUS message after the reader loop stopped"
            if message != {"WATCHDOG": "1"}:
                break
        assert message == {"STATUS": "stopped: reader loop"}
        assert notify_socket.receive_all(within=0.3) == []

        workers["reader loop"] = _worker(stop_reader := threading.Event())
        messages = notify_socket.receive_all(within=0.3)
        assert messages[0] == {"STATUS": "running"}
        assert {"WATCHDOG": "1"} in messages[1:]
    finally:
        watchdog.close()
        stop_reader.set()
        stop_printer.set()
    assert notify_socket.receive_all(within=0.2)[-1] == {"STOPPING": "1"}


def test_a_probe_that_raises_counts_as_dead(notify_socket):
    def broken() -> bool:
        raise RuntimeError("probe bug")

    watchdog = Watchdog(SystemdNotifier(notify_socket.address), 1.0, {"web server": broken})
    assert watchdog.dead_parts() == ("web server",)
    assert watchdog.beat() is False
    assert notify_socket.receive() == {"STATUS": "stopped: web server"}


def test_added_probe_is_checked(notify_socket):
    watchdog = Watchdog(SystemdNotifier(notify_socket.address), 1.0)
    assert watchdog.beat() is True
    assert notify_socket.receive() == {"WATCHDOG": "1"}
    watchdog.add_probe("web server", lambda: False)
    assert watchdog.beat() is False


def test_no_thread_without_watchdog_usec_and_close_is_idempotent(notify_socket, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.address)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    with Watchdog.from_environment({"x": lambda: True}) as watchdog:
        assert watchdog.interval_s is None
        assert watchdog.ready()
    assert watchdog.closed
    watchdog.close()
    assert notify_socket.receive_all(within=0.2) == [{"READY": "1", "STATUS": "running"}, {"STOPPING": "1"}]


def test_from_environment_pings_at_half_watchdog_usec(notify_socket, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.address)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    with Watchdog.from_environment({"x": lambda: True}) as watchdog:
        assert watchdog.interval_s == pytest.approx(0.1)
        arrivals = []
        while len(arrivals) < 5:  # the pings as they arrive: their pace is what is tested
            message = notify_socket.receive(timeout=2.0)
            assert message is not None, f"no ping within 2 s after {len(arrivals)}"
            if message == {"WATCHDOG": "1"}:
                arrivals.append(time.monotonic())
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert sum(gaps) / len(gaps) == pytest.approx(0.1, abs=0.04), gaps


SERVICE_SCRIPT = """
import sys, threading, time
from kiosk.watchdog import Watchdog

stop = threading.Event()
reader = threading.Thread(target=stop.wait, name="reader loop", daemon=True)
reader.start()
watchdog = Watchdog.from_environment({"reader loop": reader.is_alive, "web server": lambda: True})
watchdog.start()
watchdog.ready()
time.sleep(float(sys.argv[1]))  # the service runs this long (the scenario itself, in the service's process)
stop.set()  # the reader loop ends; the process lives on
time.sleep(float(sys.argv[2]))  # and lives on this long with its reader dead
watchdog.close()
"""


def test_a_service_process_started_like_systemd_does_stops_pinging_when_its_reader_dies(notify_socket):
    repo = Path(__file__).resolve().parents[2]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "NOTIFY_SOCKET": notify_socket.address,
        "WATCHDOG_USEC": "100000",
        "PYTHONPATH": str(repo),
    }
    # systemd sets WATCHDOG_PID to the service's pid; `exec` keeps the pid of the shell it knew.
    process = subprocess.Popen(
        ["sh", "-c", f'export WATCHDOG_PID=$$; exec "{sys.executable}" -c "$0" 0.5 0.6', SERVICE_SCRIPT],
        env=env,
    )
    messages = []
    while process.poll() is None:
        if (message := notify_socket.receive(0.2)) is not None:
            messages.append(message)
    while (message := notify_socket.receive(0.2)) is not None:
        messages.append(message)
    assert process.returncode == 0
    assert {"READY": "1", "STATUS": "running"} in messages
    stopped = messages.index({"STATUS": "stopped: reader loop"})
    assert messages[:stopped].count({"WATCHDOG": "1"}) >= 3
    assert messages[stopped + 1 :] == [{"STOPPING": "1"}]


def test_pings_stop_when_a_worker_is_deadlocked_though_its_thread_lives(notify_socket, tmp_path):
    from device.config import load_config
    from kiosk.service import KioskService
    from tests.cli.conftest import write_config

    config = load_config(write_config(tmp_path / "kiosk.toml", tmp_path / "data"))
    with KioskService.open(config) as service:
        watchdog = Watchdog(SystemdNotifier(notify_socket.address), 0.05, service.liveness_probes(1.0))
        assert watchdog.beat() and notify_socket.receive() == {"WATCHDOG": "1"}
        printer = service.devices.printer
        with printer._lock:  # the print worker blocks on its job lock, as in a deadlock
            wait_until(
                lambda: watchdog.dead_parts() == ("print worker",), 10, every_s=0.1, what=lambda: watchdog.dead_parts()
            )
            assert printer.alive  # what the old probe asked: it would have kept pinging
            assert not watchdog.beat()
            assert notify_socket.receive() == {"STATUS": "stopped: print worker"}
        wait_until(watchdog.beat, 10, every_s=0.1)  # released: the loop turns again and the pings resume


def test_the_web_server_counts_as_alive_only_while_it_answers():
    """A waitress whose worker threads are all stuck keeps its thread alive; only an answer tells them apart."""
    from flask import Flask

    from kiosk.runner import WebServer

    app = Flask("probe", static_folder=str(Path(__file__).resolve().parents[2] / "web" / "static"))
    stuck, release = threading.Event(), threading.Event()

    @app.get("/stuck")
    def _stuck():
        stuck.set()
        release.wait(10)
        return "done"

    server = WebServer(app, "127.0.0.1", 0, threads=1).start()
    try:
        assert server.answers()
        waiting = threading.Thread(
            target=lambda: (
                __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{server.port}/stuck", timeout=15).read()
            )
        )
        waiting.start()
        assert stuck.wait(5)
        assert server.is_alive() and not server.answers(timeout_s=0.5)  # alive, but answering nothing
        release.set()
        waiting.join(15)
        assert server.answers()
    finally:
        release.set()
        server.close()
