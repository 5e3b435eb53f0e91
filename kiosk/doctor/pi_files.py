"""Readers for the Raspberry Pi system files the checks look at: config.txt, cmdline.txt, users and groups."""

from __future__ import annotations

import grp
import pwd
from dataclasses import dataclass
from pathlib import Path

from kiosk.doctor.context import DoctorContext

BOOT_DIRS = ("/boot/firmware", "/boot")  # Bookworm first, then Bullseye and older
UART_DEVICES = ("serial0", "serial1", "ttyAMA0", "ttyAMA10", "ttyS0")


def boot_file(ctx: DoctorContext, name: str) -> Path | None:
    """`config.txt` or `cmdline.txt` of the boot partition, or None when this is not Raspberry Pi OS."""
    for directory in BOOT_DIRS:
        candidate = ctx.path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def dtparams(config_txt: str) -> dict[str, str]:
    """The `dtparam` settings of a config.txt, the last one winning (`dtparam=spi` alone means on)."""
    params: dict[str, str] = {}
    for raw in config_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("dtparam="):
            continue
        for item in line[len("dtparam=") :].split(","):
            name, _, value = item.strip().partition("=")
            if name:
                params[name] = value or "on"
    return params


def settings(config_txt: str) -> dict[str, str]:
    """Plain `key=value` settings of a config.txt (enable_uart, ...), the last one winning."""
    values: dict[str, str] = {}
    for raw in config_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition("=")
        if sep and key not in ("dtparam", "dtoverlay"):
            values[key.strip()] = value.strip()
    return values


def overlays(config_txt: str) -> list[str]:
    """Names of the device-tree overlays a config.txt loads."""
    names = []
    for raw in config_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("dtoverlay="):
            names.append(line[len("dtoverlay=") :].split(",", 1)[0].strip())
    return names


def is_on(value: str | None) -> bool:
    return value is not None and value.lower() in ("on", "1", "true", "yes")


def serial_consoles(cmdline: str) -> list[str]:
    """`console=` arguments of cmdline.txt that put a login console on a UART."""
    found = []
    for token in cmdline.split():
        if token.startswith("console="):
            device = token[len("console=") :].split(",", 1)[0]
            if device in UART_DEVICES:
                found.append(token)
    return found


def is_uart_port(port: str) -> bool:
    """True when the printer port is the Pi's own UART (GPIO 14/15), not a USB adapter."""
    return port.rsplit("/", 1)[-1] in UART_DEVICES


@dataclass(frozen=True)
class Membership:
    """Whether a user exists, which groups exist, and which of them the user belongs to."""

    user_exists: bool
    existing_groups: frozenset[str]
    user_groups: frozenset[str]


def membership(ctx: DoctorContext, user: str) -> Membership:
    """Group membership of `user` from the host databases, or from `<root>/etc/passwd` and `group`."""
    if ctx.on_host:
        return _host_membership(user)
    return _file_membership(ctx.path("/etc/passwd"), ctx.path("/etc/group"), user)


def _host_membership(user: str) -> Membership:
    groups = grp.getgrall()
    existing = frozenset(g.gr_name for g in groups)
    try:
        primary_gid = pwd.getpwnam(user).pw_gid
    except KeyError:
        return Membership(False, existing, frozenset())
    mine = frozenset(g.gr_name for g in groups if user in g.gr_mem or g.gr_gid == primary_gid)
    return Membership(True, existing, mine)


def _file_membership(passwd_path: Path, group_path: Path, user: str) -> Membership:
    primary_gid = None
    for fields in _colon_records(passwd_path):
        if len(fields) >= 4 and fields[0] == user:
            primary_gid = fields[3]
    existing, mine = set(), set()
    for fields in _colon_records(group_path):
        if len(fields) < 3:
            continue
        existing.add(fields[0])
        members = fields[3].split(",") if len(fields) > 3 and fields[3] else []
        if user in members or (primary_gid is not None and fields[2] == primary_gid):
            mine.add(fields[0])
    return Membership(primary_gid is not None, frozenset(existing), frozenset(mine))


def _colon_records(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def pi_model(ctx: DoctorContext) -> str:
    """The board name from the device tree ("Raspberry Pi 5 Model B Rev 1.0"), empty off a Pi."""
    try:
        return ctx.path("/proc/device-tree/model").read_bytes().rstrip(b"\0\n").decode("ascii", "replace")
    except OSError:
        return ""
