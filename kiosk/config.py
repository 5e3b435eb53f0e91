"""Configuration: `/etc/kiosk/kiosk.toml` (or `$KIOSK_CONFIG`) read with tomllib into frozen dataclasses.

Every key is checked against the dataclass that holds it: an unknown key, a wrong type or a value outside
the allowed set is a ConfigError naming the key, the value and what is allowed. `config/kiosk.example.toml`
documents every key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from kiosk.domain.earning import EarningScale, Promotion
from kiosk.errors import ConfigError

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
class HardwareConfig:
    """Which devices to drive, and where they are wired (BCM pin numbers)."""

    mode: Literal["pi", "emulated"] = "pi"
    reader_spi_bus: int = 0
    reader_spi_device: int = 0
    reader_reset_pin: int = 25
    printer_port: str = "/dev/serial0"
    printer_baudrate: int = 9600
    led_ready_pin: int = 17
    led_ok_pin: int = 27
    led_error_pin: int = 22
    buzzer_pin: int = 18
    scanner_port: str = ""
    scanner_keyboard: str = ""
    printer_columns: int = 42
    printer_job_max_age_s: int = 600


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
class ShopConfig:
    """What the receipt header and footer say."""

    name: str = "Ma Boutique"
    address: tuple[str, ...] = ()
    footer: str = "Merci de votre visite !"


@dataclass(frozen=True)
class PromotionConfig:
    name: str
    starts: date
    ends: date
    multiplier_pct: int
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class EarningConfig:
    """The earning scale: `base_points` points per `per_cents` cents, multipliers in percent."""

    base_points: int = 1
    per_cents: int = 100
    receipt_cap: int | None = None
    daily_cap: int | None = None
    categories: dict[str, int] = field(default_factory=dict)
    promotions: tuple[PromotionConfig, ...] = ()

    def scale(self) -> EarningScale:
        return EarningScale(
            base_points=self.base_points,
            per_cents=self.per_cents,
            category_multipliers_pct=dict(self.categories),
            promotions=tuple(
                Promotion(p.name, p.starts, p.ends, p.multiplier_pct, frozenset(p.categories))
                for p in self.promotions
            ),
            receipt_cap=self.receipt_cap,
            daily_cap=self.daily_cap,
        )


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


_POSITIVE_INTS = {"per_cents", "printer_baudrate", "printer_columns", "printer_job_max_age_s", "push_batch",
                  "pull_page", "interval_s", "backoff_max_s", "idle_timeout_s", "undo_window_s",
                  "session_timeout_s", "max_customers", "max_memory_mb"}


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


def parse_config(data: dict) -> Config:
    """Build a Config from already-parsed TOML, checking every key and value."""
    config = _build(Config, data, "")
    _check_consistency(config)
    return config


def earning_from_json(rules: object) -> EarningConfig:
    """The [earning] table as central sends it in JSON (dates as YYYY-MM-DD text), checked like kiosk.toml's."""
    if not isinstance(rules, dict):
        raise ConfigError(f"earning rules must be a table, got {rules!r}")
    rules = {k: v for k, v in rules.items() if k != "category_names"}  # names are for screens, not the scale
    promotions = rules.get("promotions")
    if isinstance(promotions, list):
        converted = []
        for n, promo in enumerate(promotions):
            if isinstance(promo, dict):
                promo = dict(promo)
                for key in ("starts", "ends"):
                    if isinstance(promo.get(key), str):
                        try:
                            promo[key] = date.fromisoformat(promo[key])
                        except ValueError:
                            raise ConfigError(f"earning.promotions[{n}].{key} = {promo[key]!r} must be a date "
                                              "written as YYYY-MM-DD") from None
            converted.append(promo)
        rules = rules | {"promotions": converted}
    return parse_config({"earning": rules}).earning


def _build(cls: type, table: object, prefix: str):
    if not isinstance(table, dict):
        raise ConfigError(f"[{prefix.rstrip('.')}] must be a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in table:
        if key not in names:
            raise ConfigError(f"unknown key '{prefix}{key}'; allowed keys here: {', '.join(names)}")
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in table:
            values[f.name] = _convert(hints[f.name], table[f.name], prefix + f.name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"missing key {prefix}{f.name}")
    return cls(**values)


def _convert(hint: object, value: object, key: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):
        hint = next(a for a in args if a is not type(None))
        return _convert(hint, value, key)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key + ".")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{key} = {value!r} is not allowed; allowed: {', '.join(map(repr, args))}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} = {value!r} must be a list")
        return tuple(_convert(args[0], item, f"{key}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {value!r} must be a table")
        return {str(k): _convert(args[1], v, f"{key}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} = {value!r} must be a whole number")
        leaf = key.rsplit(".", 1)[-1]
        if (leaf in _POSITIVE_INTS and value <= 0) or value < 0:
            allowed = "> 0" if leaf in _POSITIVE_INTS else ">= 0"
            raise ConfigError(f"{key} = {value!r} is not allowed; it must be {allowed}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {value!r} must be text (in quotes)")
        return value
    if hint is date:
        if not isinstance(value, date):
            raise ConfigError(f"{key} = {value!r} must be a date written as YYYY-MM-DD (no quotes)")
        return value
    raise ConfigError(f"{key}: unsupported setting type {hint!r}")  # pragma: no cover


def _check_consistency(config: Config) -> None:
    if not 1 <= config.web.port <= 65535:
        raise ConfigError(f"web.port = {config.web.port} is not allowed; it must be from 1 to 65535")
    if not config.device.id or not config.device.id.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"device.id = {config.device.id!r} must be letters, digits, '-' or '_'")
    for promo in config.earning.promotions:
        if promo.ends < promo.starts:
            raise ConfigError(f"earning.promotions {promo.name!r}: ends {promo.ends} is before starts {promo.starts}")
    if config.phonecard.skew_s > 120:
        raise ConfigError(f"phonecard.skew_s = {config.phonecard.skew_s} is not allowed; it must be from 0 to 120")
