"""Catalogue, cashiers and earning rules set in the back office and pulled by every device.

Each write takes a change version under the same counter lock as the ledger fold, so these rows
travel through the same resumable pull cursor as customers and cards.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import Connection

from central.errors import BadRequest
from central.schema import cashiers, catalogue, settings
from central.sql import Versions, insert_for
from loyalty.cashiers import ROLES, hash_pin
from loyalty.domain.rewards import Reward
from loyalty.earning_rules import earning_from_json
from loyalty.errors import ConfigError, KioskError
from loyalty.reference_settings import EARNING_RULES

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise BadRequest(f"{what} must be 1 to 64 letters, digits, '.', '-' or '_'")
    return value


def _optional_int(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise BadRequest(f"{name} must be a whole number >= 0")
    return value


def _upsert(connection: Connection, table, key: str, row: dict) -> None:
    versions = Versions(connection)
    row = row | {"version": versions.next()}
    statement = insert_for(connection, table)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[key], set_={k: statement.excluded[k] for k in row if k != key}),
        row,
    )
    versions.save()


def put_reward(connection: Connection, reward_id: str, body: dict) -> Reward:
    """Create or change a catalogue entry, checked by the domain's own Reward rules."""
    _check_id(reward_id, "reward id")
    name = body.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise BadRequest("name must be 1 to 200 characters")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise BadRequest("active must be true or false")
    try:
        reward = Reward(
            reward_id=reward_id,
            kind=body.get("kind"),
            name=name,
            points_price=_optional_int(body, "points_price") or 0,
            stock=_optional_int(body, "stock"),
            partner=body.get("partner"),
            face_value_cents=_optional_int(body, "face_value_cents"),
        )
    except (ValueError, TypeError) as exc:
        raise BadRequest(str(exc)) from None
    if reward.partner is not None and not (isinstance(reward.partner, str) and _ID.match(reward.partner)):
        raise BadRequest("partner must be 1 to 64 letters, digits, '-' or '_'")
    _upsert(
        connection,
        catalogue,
        "reward_id",
        {
            "reward_id": reward_id,
            "kind": reward.kind,
            "name": name,
            "points_price": reward.points_price,
            "stock": reward.stock,
            "partner": reward.partner,
            "face_value_cents": reward.face_value_cents,
            "active": active,
        },
    )
    return reward


def put_cashier(connection: Connection, cashier_id: str, body: dict) -> None:
    """Create or change a cashier; a PIN sent here is hashed at once and never stored or logged in clear."""
    _check_id(cashier_id, "cashier id")
    name, role, language = body.get("name"), body.get("role"), body.get("language", "fr")
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise BadRequest("name must be 1 to 200 characters")
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if language not in ("fr", "en"):
        raise BadRequest("language must be fr or en")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise BadRequest("active must be true or false")
    try:
        pin_hash = hash_pin(body.get("pin"))
    except KioskError as exc:
        raise BadRequest(str(exc)) from None
    _upsert(
        connection,
        cashiers,
        "cashier_id",
        {
            "cashier_id": cashier_id,
            "name": name,
            "role": role,
            "pin_hash": pin_hash,
            "language": language,
            "active": active,
        },
    )


def put_earning_rules(connection: Connection, rules: dict) -> None:
    """Set the chain's earning scale: the same keys and checks as the [earning] table of kiosk.toml."""
    try:
        earning_from_json(rules)
    except ConfigError as exc:
        raise BadRequest(f"earning rules: {exc}") from None
    _upsert(connection, settings, "key", {"key": EARNING_RULES, "value_json": json.dumps(rules, sort_keys=True)})
