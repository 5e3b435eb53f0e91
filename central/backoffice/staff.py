"""Cashiers in the back office: create, reset a PIN, change role or activity, and the customer-capture
mode per store and per cashier. All of it reaches devices through the pull; the audit keeps ids,
roles and modes, never a name or a PIN."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Connection, select

from central import reference_data
from central.backoffice import audit
from central.errors import BadRequest, NotFound
from central.schema import cashiers, settings
from central.sql import Versions, insert_for
from loyalty.cashiers import CAPTURE_MODES, ROLES
from loyalty.reference_settings import CAPTURE_MODE as CAPTURE_SETTING

#: The default of the setting devices pull (`CAPTURE_SETTING`):
#: {"default": mode, "stores": {device_id: mode}, "cashiers": {cashier_id: mode}}.
DEFAULT_CAPTURE = {"default": "suggested", "stores": {}, "cashiers": {}}


@dataclass(frozen=True)
class CashierEntry:
    """A cashier as the back office lists it (never the PIN hash)."""

    cashier_id: str
    name: str
    role: str
    language: str
    active: bool
    capture_mode: str | None


def _public(row) -> dict:
    """What the audit may hold of a cashier: no name, no PIN."""
    return {"role": row.role, "language": row.language, "active": bool(row.active)}


def _find(connection: Connection, cashier_id: str):
    row = connection.execute(select(cashiers).where(cashiers.c.cashier_id == cashier_id)).first()
    if row is None:
        raise NotFound(_("no cashier %(cashier)s", cashier=cashier_id))
    return row


def capture_modes(connection: Connection) -> dict:
    value = connection.execute(select(settings.c.value_json).where(settings.c.key == CAPTURE_SETTING)).scalar()
    return json.loads(value) if value else json.loads(json.dumps(DEFAULT_CAPTURE))


def list_cashiers(connection: Connection) -> list[CashierEntry]:
    modes = capture_modes(connection)["cashiers"]
    return [
        CashierEntry(r.cashier_id, r.name, r.role, r.language, bool(r.active), modes.get(r.cashier_id))
        for r in connection.execute(select(cashiers).order_by(cashiers.c.cashier_id))
    ]


def create_cashier(connection: Connection, actor: str, form: Mapping[str, str]) -> str:
    """A new cashier with a PIN (hashed at once by `reference_data.put_cashier`)."""
    cashier_id = (form.get("cashier_id") or "").strip()
    if connection.execute(select(cashiers.c.cashier_id).where(cashiers.c.cashier_id == cashier_id)).first():
        raise BadRequest(_("the cashier id %(cashier)s is already taken", cashier=cashier_id))
    reference_data.put_cashier(
        connection,
        cashier_id,
        {
            "name": (form.get("name") or "").strip(),
            "role": form.get("role"),
            "language": form.get("language", "fr"),
            "pin": form.get("pin"),
            "active": True,
        },
    )
    audit.record(
        connection, actor, "cashier.create", f"cashier {cashier_id}", None, _public(_find(connection, cashier_id))
    )
    return cashier_id


def reset_pin(connection: Connection, actor: str, cashier_id: str, pin: object) -> None:
    """Give a cashier a new PIN; the audit says a reset happened, nothing of the PIN."""
    row = _find(connection, cashier_id)
    reference_data.put_cashier(
        connection,
        cashier_id,
        {"name": row.name, "role": row.role, "language": row.language, "active": bool(row.active), "pin": pin},
    )
    audit.record(connection, actor, "cashier.reset_pin", f"cashier {cashier_id}", None, {"pin": "reset"})


def update_cashier(connection: Connection, actor: str, cashier_id: str, role: object, active: bool) -> None:
    """Change a cashier's role or take them off (or back on) the tills."""
    if role not in ROLES:
        raise BadRequest(_("role must be one of %(roles)s", roles=", ".join(ROLES)))
    row = _find(connection, cashier_id)
    versions = Versions(connection)
    connection.execute(
        cashiers.update()
        .where(cashiers.c.cashier_id == cashier_id)
        .values(role=role, active=active, version=versions.next())
    )
    versions.save()
    audit.record(
        connection,
        actor,
        "cashier.update",
        f"cashier {cashier_id}",
        _public(row),
        _public(_find(connection, cashier_id)),
    )


def set_capture_mode(connection: Connection, actor: str, scope: str, key: str, mode: str) -> None:
    """Set the capture mode chain-wide (`default`), for one store (device) or one cashier; `inherit`
    removes a store's or cashier's own mode."""
    if scope not in ("default", "stores", "cashiers"):
        raise BadRequest(_("scope must be default, stores or cashiers"))
    allowed = CAPTURE_MODES if scope == "default" else (*CAPTURE_MODES, "inherit")
    if mode not in allowed:
        raise BadRequest(_("capture mode must be one of %(modes)s", modes=", ".join(allowed)))
    modes = capture_modes(connection)
    before = json.loads(json.dumps(modes))
    if scope == "default":
        modes["default"] = mode
    else:
        if scope == "cashiers":
            _find(connection, key)
        elif not key or len(key) > 64:
            raise BadRequest(_("a store is named by its device id"))
        if mode == "inherit":
            modes[scope].pop(key, None)
        else:
            modes[scope][key] = mode
    versions = Versions(connection)
    statement = insert_for(connection, settings)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value_json": statement.excluded.value_json, "version": statement.excluded.version},
        ),
        {"key": CAPTURE_SETTING, "value_json": json.dumps(modes, sort_keys=True), "version": versions.next()},
    )
    versions.save()
    audit.record(connection, actor, "capture_mode.set", f"{scope} {key}".strip(), before, modes)
