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


def make_healthy_pi(root: Path) -> Path:
    """A fake Raspberry Pi OS Bookworm tree where every doctor check passes."""
    files = {
        "boot/firmware/config.txt": "# For more options see config.txt docs\n#dtparam=i2c_arm=on\n"
        "dtparam=audio=on,spi=on\nenable_uart=1\n\n[cm4]\notg_mode=1\n\n[all]\n",
        "boot/firmware/cmdline.txt": "console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 "
        "fsck.repair=yes rootwait\n",
        "dev/spidev0.0": "",
        "dev/serial0": "",
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n"
        "kiosk:x:999:999:Loyalty kiosk:/var/lib/kiosk:/usr/sbin/nologin\n",
        "etc/group": "root:x:0:\ndialout:x:20:pi,kiosk\nspi:x:999:\ngpio:x:997:pi,kiosk\nkiosk:x:998:\n",
        "run/systemd/timesync/synchronized": "",
        "proc/device-tree/model": "Raspberry Pi 4 Model B Rev 1.4\0",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # kiosk's primary group is gid 999 = spi here, to exercise primary-group membership
    (root / "var/lib/kiosk").mkdir(parents=True, mode=0o700)
    return root


@pytest.fixture
def pi_root(tmp_path: Path) -> Path:
    return make_healthy_pi(tmp_path / "pi")
