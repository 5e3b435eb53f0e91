"""Configuration: `/etc/kiosk/kiosk.toml` (or `$KIOSK_CONFIG`) read with tomllib into frozen dataclasses.

Every key is checked against the dataclass that holds it: an unknown key, a wrong type or a value outside
the allowed set is a ConfigError naming the key, the value and what is allowed. `config/kiosk.example.toml`
documents every key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hardware.config import HardwareConfig, ShopConfig
from loyalty.earning_rules import EarningConfig, check_promotions
from loyalty.errors import ConfigError
from loyalty.typed_tables import build_table

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")


@dataclass(frozen=True)
class DeviceConfig:
    """Who this device is: its id is stamped on every event it records."""

    id: str = "till-1"
    role: Literal["till", "kiosk", "central"] = "till"  # "central": the head-office host (see central_host)
    store_id: str = "store-1"
    name: str = "Caisse 1"


@dataclass(frozen=True)
class PathsConfig:
    data_dir: str = "/var/lib/kiosk"


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class CentralConfig:
    """The central server; an empty url means this device works alone (no sync)."""

    url: str = ""
    timeout_s: int = 10
    token_file: str = ""
    push_batch: int = 500
    pull_page: int = 1000
    interval_s: int = 30
    backoff_max_s: int = 300
    offline_redeem_per_card: int = 500
    offline_redeem_per_device: int = 5000


@dataclass(frozen=True)
class PhoneCardConfig:
    """The phone card: central's public key (verifies codes offline) and the clock skew allowed either side."""

    public_key: str = ""
    skew_s: int = 30


@dataclass(frozen=True)
class SelfServiceConfig:
    """The self-service kiosk screen: redemptions per card per day, idle reset, the consent text version."""

    redeem_per_day: int = 2
    idle_timeout_s: int = 30
    consent_version: str = "2026-01"


@dataclass(frozen=True)
class CacheConfig:
    """How many of its store's customers a device holds at most; beyond either bound, the least recently seen
    go (never one with events not yet at central). A customer not held is looked up at central when online."""

    max_customers: int = 80_000
    max_memory_mb: int = 45

    @property
    def customer_bound(self) -> int:
        """The bound on customers both settings allow (`BYTES_PER_CUSTOMER` each, as measured by bench.chain)."""
        return max(1, min(self.max_customers, self.max_memory_mb * 1_000_000 // BYTES_PER_CUSTOMER))


#: Memory of one cached customer with its card, search keys and contact hashes (measured: about 670).
BYTES_PER_CUSTOMER = 700


@dataclass(frozen=True)
class TillConfig:
    """The cashier's till: customer capture, redemption confirmation, undo window, session timeout."""

    capture_mode: Literal["off", "suggested", "required"] = "suggested"
    confirm_above_points: int = 200
    undo_window_s: int = 120
    session_timeout_s: int = 900
    consent_version: str = "2026-01"
    profile_url: str = "https://fidelite.example.org/portal/p/"
    #: Own earns kept after central has them, so a refund here finds its receipt offline (the store's KEPT_EARNS).
    kept_earns: int = 20_000


@dataclass(frozen=True)
class Config:
    device: DeviceConfig = field(default_factory=DeviceConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    web: WebConfig = field(default_factory=WebConfig)
    central: CentralConfig = field(default_factory=CentralConfig)
    shop: ShopConfig = field(default_factory=ShopConfig)
    earning: EarningConfig = field(default_factory=EarningConfig)
    phonecard: PhoneCardConfig = field(default_factory=PhoneCardConfig)
    selfservice: SelfServiceConfig = field(default_factory=SelfServiceConfig)
    till: TillConfig = field(default_factory=TillConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)

    @property
    def data_dir(self) -> Path:
        return Path(self.paths.data_dir)


_POSITIVE_INTS = frozenset(
    {
        "per_cents",
        "printer_baudrate",
        "printer_columns",
        "printer_job_max_age_s",
        "push_batch",
        "pull_page",
        "interval_s",
        "backoff_max_s",
        "idle_timeout_s",
        "undo_window_s",
        "session_timeout_s",
        "kept_earns",
        "max_customers",
        "max_memory_mb",
    }
)


def config_path() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG") or DEFAULT_PATH)


def load_config(path: Path | None = None) -> Config:
    """Read and check the configuration file; raises ConfigError saying what is wrong and where."""
    path = path or config_path()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} not found (set KIOSK_CONFIG to use another file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    try:
        return parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(data: dict[str, object]) -> Config:
    """Build a Config from already-parsed TOML, checking every key and value."""
    config = build_table(Config, data, "", _POSITIVE_INTS)
    _check_consistency(config)
    return config


def _check_consistency(config: Config) -> None:
    if not 1 <= config.web.port <= 65535:
        raise ConfigError(f"web.port = {config.web.port} is not allowed; it must be from 1 to 65535")
    if not config.device.id or not config.device.id.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"device.id = {config.device.id!r} must be letters, digits, '-' or '_'")
    check_promotions(config.earning)
    if config.phonecard.skew_s > 120:
        raise ConfigError(f"phonecard.skew_s = {config.phonecard.skew_s} is not allowed; it must be from 0 to 120")
