"""Fixtures for the `kiosk` command: a device configuration file with emulated hardware, and a running service."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from device.config import Config, load_config
from tests.waiting import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(
    path: Path, data_dir: Path, *, device_id: str = "till-9", port: int | None = None, central_url: str = ""
) -> Path:
    path.write_text(
        f'[device]\nid = "{device_id}"\n[paths]\ndata_dir = "{data_dir}"\n[hardware]\nmode = "emulated"\n'
        f'[web]\nport = {port or free_port()}\n[central]\nurl = "{central_url}"\ntimeout_s = 5\ninterval_s = 3600\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    """A device configuration with emulated hardware in tmp_path, named by KIOSK_CONFIG."""
    path = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    return path


@pytest.fixture
def cli_config(config_file) -> Config:
    return load_config(config_file)


@dataclass
class RunningService:
    service: object
    url: str
    stop: threading.Event
    thread: threading.Thread


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).is_success
    except httpx.HTTPError:
        return False


def start_service(config: Config, *, devices: bool = True) -> RunningService:
    """The kiosk service and its web UI on web.port, in this process, as `kiosk serve` runs them."""
    from kiosk.runner import serve
    from kiosk.service import KioskService

    service = KioskService.open(config, devices=devices)
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(service, "127.0.0.1", config.web.port, stop), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{config.web.port}"
    wait_until(lambda: _answers(url + "/api/status"), 10, what=f"{url} did not answer")
    # Devices report "starting" until their first contact; a technician's command sees them settled.
    if devices:
        wait_until(
            lambda: "starting" not in service.device_states().values(),
            10,
            what=lambda: f"devices still starting: {service.device_states()}",
        )
    return RunningService(service, url, stop, thread)


def stop_service(running: RunningService) -> None:
    running.stop.set()
    running.thread.join(timeout=10)
    running.service.close()


@pytest.fixture
def running_service(cli_config):
    running = start_service(cli_config)
    yield running
    stop_service(running)
