"""An audit entry's values before and after, as a manager reads them: one line per setting with its name in
the page's language, amounts in euros, times in local time, numbers with the page's decimal mark, yes/no, and
an earning scale in words (the versions table's summary). Never raw JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from central.backoffice import local_display
from central.backoffice.money import format_euros
from central.backoffice.rules import rules_summary

#: The names of the values the audit keeps; a key not listed shows as itself, underscores as spaces.
LABELS = {
    "active": lazy_gettext("Active"),
    "after_days": lazy_gettext("Points expire after (days)"),
    "bytes": lazy_gettext("Size (bytes)"),
    "cards": lazy_gettext("Cards"),
    "cashiers": lazy_gettext("Cashiers"),
    "channel": lazy_gettext("Sales channel"),
    "chips": lazy_gettext("Chips"),
    "code": lazy_gettext("Code"),
    "customers": lazy_gettext("Customers"),
    "default": lazy_gettext("Every store"),
    "delta": lazy_gettext("Change in points"),
    "device_id": lazy_gettext("Device"),
    "duplicate": lazy_gettext("Duplicate"),
    "effective_from": lazy_gettext("From"),
    "face_value_cents": lazy_gettext("Face value"),
    "failed_attempts": lazy_gettext("Wrong codes"),
    "issued_at": lazy_gettext("Issued"),
    "kind": lazy_gettext("Kind"),
    "language": lazy_gettext("Language"),
    "mime": lazy_gettext("Picture type"),
    "min_points": lazy_gettext("From (points)"),
    "name": lazy_gettext("Name"),
    "new": lazy_gettext("New card"),
    "notice_days": lazy_gettext("Notice (days)"),
    "old": lazy_gettext("Old card"),
    "partner": lazy_gettext("Partner"),
    "period_days": lazy_gettext("Period (days)"),
    "pin": lazy_gettext("PIN"),
    "points": lazy_gettext("Points"),
    "points_price": lazy_gettext("Price in points"),
    "rate_per_minute": lazy_gettext("Requests per minute"),
    "reason": lazy_gettext("Reason"),
    "redemption_event_id": lazy_gettext("Redemption"),
    "revoked_at": lazy_gettext("Revoked"),
    "role": lazy_gettext("Role"),
    "rows": lazy_gettext("Rows"),
    "scopes": lazy_gettext("Rights"),
    "sha256": lazy_gettext("Fingerprint"),
    "size": lazy_gettext("Size"),
    "stock": lazy_gettext("Stock"),
    "stores": lazy_gettext("Stores"),
    "through_day": lazy_gettext("Earned through"),
    "tiers": lazy_gettext("Tiers"),
}
#: Values kept as codes (capture modes, roles, kinds of reward), in words.
VALUES = {
    "off": lazy_gettext("off"),
    "suggested": lazy_gettext("suggested"),
    "required": lazy_gettext("required"),
    "partner_voucher": lazy_gettext("partner voucher"),
    "in_house": lazy_gettext("in-house reward"),
    "manager": lazy_gettext("manager"),
    "cashier": lazy_gettext("cashier"),
    "head_office": lazy_gettext("head office"),
}
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


def audit_lines(value: object, action: str, language: str) -> list[str]:
    """The lines a value shows; none for an empty value (the page shows a dash)."""
    if value is None or value == {} or value == []:
        return []
    if action.startswith("earning_rules.") and isinstance(value, Mapping):
        if "rules" in value:  # a saved version: its day, then the scale in words
            return [
                _pair(_("From"), _shown(value.get("effective_from"), "effective_from", language), language),
                rules_summary(value["rules"], language),
            ]
        return [rules_summary(value, language)]
    if isinstance(value, Mapping):
        return [line for key in sorted(value) for line in _pairs(str(key), value[key], language)]
    return [_shown(value, "", language)]


def _pairs(key: str, value: object, language: str) -> list[str]:
    label = _label(key)
    if isinstance(value, Mapping):  # a setting per store or per cashier: one line each
        if not value:
            return [_pair(label, "—", language)]
        return [_pair(f"{label} › {sub}", _shown(value[sub], sub, language), language) for sub in sorted(value)]
    return [_pair(label, _shown(value, key, language), language)]


def _label(key: object) -> str:
    return str(LABELS.get(str(key), str(key).replace("_", " ")))


def _pair(label: str, shown: str, language: str) -> str:
    """`Label : value` in French (a space before the colon), `Label: value` in English."""
    return f"{label} : {shown}" if language == "fr" else f"{label}: {shown}"


def _shown(value: object, key: str, language: str) -> str:
    mark = "," if language == "fr" else "."
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int) and key.endswith("_cents"):
        return format_euros(value, mark) + " €"
    if isinstance(value, float):
        return local_display.decimal(value, mark)
    if isinstance(value, str) and _STAMP.match(value):
        return local_display.local_time(value)
    if isinstance(value, str) and _DAY.match(value):
        return local_display.local_day(value)
    if isinstance(value, list | tuple):
        return ", ".join(_shown(item, key, language) for item in value) or "—"
    if isinstance(value, Mapping):
        return ", ".join(_pair(_label(k), _shown(v, str(k), language), language) for k, v in value.items())
    if isinstance(value, str) and value in VALUES:
        return str(VALUES[value])
    return str(value)
