"""The central server as `kiosk status` and `kiosk doctor` see it on its own host (role = "central").

systemd gives kiosk-central.service its settings from /etc/kiosk/central.env; a technician's shell does not
have them, so they are read here from that file, the same way, before central's own settings loader runs.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from kiosk import __version__
from loyalty.errors import ConfigError

ENV_FILE = Path("/etc/kiosk/central.env")  # KIOSK_CENTRAL_ENV names another (tests, a second instance)
UNIT = "kiosk-central.service"
#: The unit's StateDirectory=: the one place systemd lets the central server write (ProtectSystem=strict).
STATE_DIR = "/var/lib/kiosk-central"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them (comments and blank lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} not found: the central server's settings are written there by install.sh --role central"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc} (run with sudo)") from None
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path} line {number}: {line!r} is not KEY=value")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def env_file(root: Path = Path("/")) -> Path:
    named = os.environ.get("KIOSK_CENTRAL_ENV")
    return Path(named) if named and root == Path("/") else root / str(ENV_FILE).lstrip("/")


def load_host_settings(root: Path = Path("/")):
    """Central's settings as kiosk-central.service gets them (central.env over the defaults)."""
    from central.settings import load_settings

    return load_settings(environ=read_env_file(env_file(root)))


def health_url(settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}/api/health"


def answers(settings, timeout: float = 3.0) -> str | None:
    """None when the central server answers its health check, else what went wrong."""
    url = health_url(settings)
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{url} does not answer ({exc.__class__.__name__})"
    if response.status_code != 200:
        return f"{url} answered HTTP {response.status_code}"
    return None


@dataclass(frozen=True)
class CentralStatus:
    """`kiosk status` on the central host: the unit, its address and whether it answers."""

    version: str
    role: str
    unit: str
    running: bool
    url: str
    database: str
    data_dir: str
    problem: str | None

    def to_json(self) -> dict:
        return asdict(self)


def gather(root: Path = Path("/")) -> CentralStatus:
    settings = load_host_settings(root)
    problem = answers(settings)
    database = settings.resolved_database_url.split("@")[-1] if settings.database_url else "SQLite (default)"
    return CentralStatus(
        __version__, "central", UNIT, problem is None, health_url(settings), database, settings.data_dir, problem
    )


def format_status(report: CentralStatus) -> str:
    state = "running" if report.running else f"not answering: {report.problem} (sudo systemctl start kiosk-central)"
    return "\n".join(
        [
            f"version:        {report.version}",
            f"role:           central ({report.unit})",
            f"server:         {state}",
            f"database:       {report.database}",
            f"data:           {report.data_dir}",
        ]
    )
