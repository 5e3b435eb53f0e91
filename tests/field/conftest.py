"""Fixtures for the field-operations tests: a systemd notify socket and a fake Pi filesystem root."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import pytest


class NotifySocket:
    """A real AF_UNIX datagram socket standing in for systemd's notify socket."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address

    def receive(self, timeout: float = 2.0) -> dict[str, str] | None:
        """One message as a dict of its assignments, or None when nothing came within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        return dict(line.split("=", 1) for line in data.decode().splitlines())

    def receive_all(self, within: float) -> list[dict[str, str]]:
        """Every message that arrives during the next `within` seconds."""
        messages = []
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is None:
                break
            messages.append(message)
        return messages


@pytest.fixture
def notify_socket(tmp_path: Path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.fspath(path))
    yield NotifySocket(sock, os.fspath(path))
    sock.close()


@pytest.fixture
def abstract_notify_socket():
    name = f"kiosk-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    yield NotifySocket(sock, "@" + name)
    sock.close()
