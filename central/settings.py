"""Central's own settings: a frozen dataclass read from a TOML file and `CENTRAL_*` environment variables.

Environment variables win over the file: `CENTRAL_DATABASE_URL`, `CENTRAL_ADMIN_TOKEN`, `CENTRAL_DATA_DIR`,
`CENTRAL_HOST`, `CENTRAL_PORT`, `CENTRAL_THREADS`, `CENTRAL_TRUSTED_PROXIES`,
`CENTRAL_SMTP_HOST`, `CENTRAL_SMTP_PORT`, `CENTRAL_DEVICE_SCOPE`; `CENTRAL_CONFIG` names the TOML file
(section `[central]`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from loyalty.errors import ConfigError

DEFAULT_DATA_DIR = "/var/lib/kiosk-central"
DEVICE_SCOPES = ("chain", "store")


@dataclass(frozen=True)
class CentralSettings:
    """Where central keeps its data and how it serves; the admin API is off while admin_token is empty."""

    database_url: str = ""
    admin_token: str = ""
    data_dir: str = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8700
    threads: int = 8
    max_batch_events: int = 1000
    max_body_bytes: int = 4 * 1024 * 1024
    max_pull_rows: int = 5000
    enrolment_code_ttl_s: int = 24 * 3600
    #: Reverse proxies in front of central whose X-Forwarded-For/-Proto/-Host headers are believed (0: none).
    trusted_proxies: int = 0
    #: A partner code whose redemption has not reached central this long after issue goes back to the pool.
    voucher_release_s: int = 48 * 3600
    #: The shopper's portal sends its one-time sign-in codes and voucher codes by e-mail through this server
    #: (empty: written to data_dir/mail-outbox/ instead, as in the demo).
    smtp_host: str = "localhost"
    smtp_port: int = 25
    mail_from: str = "fidelite@example.org"
    #: What a device with a store id pulls: "store" (its store's scope, `central.customer_scope`; a card it does
    #: not hold is looked up at central, and a pool's member count comes with the pool's balance) or "chain"
    #: (every customer of the chain, least data: for devices of a release that cannot look cards up).
    device_scope: str = "store"
    #: A customer not seen at a store (no purchase, registration or look-up there) this many days leaves its
    #: devices (`central.customer_scope`); customers assigned to the store stay.
    scope_days: int = 90

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.data_dir) / 'central.db'}"


_ENV = {
    "database_url": "CENTRAL_DATABASE_URL",
    "admin_token": "CENTRAL_ADMIN_TOKEN",
    "data_dir": "CENTRAL_DATA_DIR",
    "host": "CENTRAL_HOST",
    "port": "CENTRAL_PORT",
    "threads": "CENTRAL_THREADS",
    "trusted_proxies": "CENTRAL_TRUSTED_PROXIES",
    "smtp_host": "CENTRAL_SMTP_HOST",
    "smtp_port": "CENTRAL_SMTP_PORT",
    "device_scope": "CENTRAL_DEVICE_SCOPE",
}


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> CentralSettings:
    """Read the optional TOML file then apply `CENTRAL_*` variables; raises ConfigError naming the key."""
    environ = dict(os.environ if environ is None else environ)
    path = path or (Path(environ["CENTRAL_CONFIG"]) if environ.get("CENTRAL_CONFIG") else None)
    values: dict[str, object] = {}
    if path is not None:
        try:
            with open(path, "rb") as handle:
                table = tomllib.load(handle).get("central", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read central settings {path}: {exc}") from None
        values.update(table)
    for name, var in _ENV.items():
        if environ.get(var):
            values[name] = environ[var]
    return _checked(values)


_MAY_BE_ZERO = {"trusted_proxies"}


def _checked(values: dict[str, object]) -> CentralSettings:
    known = {f.name: f for f in fields(CentralSettings)}
    settings = CentralSettings()
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown central setting {key!r}; allowed: {', '.join(known)}")
        default = getattr(settings, key)
        if isinstance(default, int):
            try:
                value = int(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ConfigError(f"central setting {key} = {value!r} must be a whole number") from None
            if value < 0 or (value == 0 and key not in _MAY_BE_ZERO):
                raise ConfigError(f"central setting {key} = {value!r} must be > 0")
        elif not isinstance(value, str):
            raise ConfigError(f"central setting {key} = {value!r} must be text")
        settings = replace(settings, **{key: value})
    if settings.device_scope not in DEVICE_SCOPES:
        raise ConfigError(
            f"central setting device_scope = {settings.device_scope!r} must be one of {', '.join(DEVICE_SCOPES)}"
        )
    return settings
