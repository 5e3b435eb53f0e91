"""Settings tables (TOML or JSON) checked against the frozen dataclass that holds them: an unknown key, a wrong
type or a value outside the allowed set is a ConfigError naming the key, the value and what is allowed.

The device's configuration file and the earning rules central publishes are both read this way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from typing import TYPE_CHECKING, Literal, TypeVar

from loyalty.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Built = TypeVar("Built", bound="DataclassInstance")  # the settings dataclass `build_table` makes


def build_table(cls: type[Built], table: object, prefix: str, positive: frozenset[str] = frozenset()) -> Built:
    """An instance of the frozen dataclass `cls` from `table`, every key and value checked; `positive` names
    the whole-number keys that must be above zero (others must not be negative)."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{prefix.rstrip('.')}] must be a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in table:
        if key not in names:
            raise ConfigError(f"unknown key '{prefix}{key}'; allowed keys here: {', '.join(names)}")
    values: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.name in table:
            values[f.name] = _convert(hints[f.name], table[f.name], prefix + f.name, positive)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"missing key {prefix}{f.name}")
    return cls(**values)


def _convert(hint: object, value: object, key: str, positive: frozenset[str]) -> object:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType):
        hint = next(a for a in args if a is not type(None))
        return _convert(hint, value, key, positive)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build_table(hint, value, key + ".", positive)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{key} = {value!r} is not allowed; allowed: {', '.join(map(repr, args))}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{key} = {value!r} must be a list")
        return tuple(_convert(args[0], item, f"{key}[{i}]", positive) for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {value!r} must be a table")
        return {str(k): _convert(args[1], v, f"{key}.{k}", positive) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} = {value!r} must be a whole number")
        leaf = key.rsplit(".", 1)[-1]
        if (leaf in positive and value <= 0) or value < 0:
            allowed = "> 0" if leaf in positive else ">= 0"
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
