"""Earning rules in the back office: a form read into the [earning] table, checked and previewed by the
domain code the tills run, and saved as dated versions; the version in force is published to devices.

Devices pull one `earning_rules` setting. A version dated in the future is kept until its day comes;
`publish_due` then writes it through `central.reference_data.put_earning_rules`, so devices receive it
on their next pull. Central calls `publish_due` at most once a minute while it serves requests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Connection, select, update

from central import reference_data
from central.backoffice import audit
from central.backoffice.money import parse_euros
from central.clock import utc_now
from central.errors import BadRequest
from central.schema import earning_rule_versions, settings
from loyalty.domain.earning import DEFAULT_CATEGORY, EarningScale, EarnQuote, quote_earn
from loyalty.earning_rules import earning_from_json
from loyalty.errors import ConfigError, InvalidAmount

log = logging.getLogger(__name__)
#: The editor's whole-number fields, named as their labels name them.
_FIELDS = {
    "base_points": lazy_gettext("Points"),
    "per_cents": lazy_gettext("per amount in cents"),
    "receipt_cap": lazy_gettext("Cap per receipt"),
    "daily_cap": lazy_gettext("Cap per customer and day"),
}
DEFAULT_RULES: dict = {"base_points": 1, "per_cents": 100, "categories": {}, "promotions": []}


@dataclass(frozen=True)
class RuleVersion:
    """One saved version of the scale and the day it takes effect."""

    version_id: int
    effective_from: str
    rules: dict
    created_at: str
    created_by: str
    published: bool


def _whole(form: Mapping[str, str], name: str, *, optional: bool = False) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw and optional:
        return None
    if not raw.isdigit():
        raise BadRequest(_("“%(field)s” must be a whole number", field=_FIELDS.get(name, name)))
    return int(raw)


def _per_cents(form: Mapping[str, str]) -> int | None:
    """The base rate's amount: typed in euros (`per_amount`, 1,00) on the page; `per_cents` still taken."""
    if (form.get("per_amount") or "").strip():
        cents = parse_euros(form["per_amount"], str(lazy_gettext("per amount (€)")))
        if cents <= 0:
            raise BadRequest(_("“%(field)s” must be more than 0", field=lazy_gettext("per amount (€)")))
        return cents
    return _whole(form, "per_cents")


def rules_from_form(form: Mapping[str, str]) -> dict:
    """The [earning] table from the editor's fields.

    Categories are lines `name = percent`, optionally followed by the name the tills show in French and
    in English (`bulk = 150; Vrac; Bulk`); promotions are lines `name; YYYY-MM-DD; YYYY-MM-DD; percent;
    category, category` (the categories part is optional: empty means every category).
    """
    rules: dict = {"base_points": _whole(form, "base_points"), "per_cents": _per_cents(form)}
    for cap in ("receipt_cap", "daily_cap"):
        value = _whole(form, cap, optional=True)
        if value is not None:
            rules[cap] = value
    categories: dict[str, int] = {}
    names: dict[str, dict[str, str]] = {}
    for number, line in enumerate((form.get("categories") or "").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, rest = line.partition("=")
        pct, *shown = [part.strip() for part in rest.split(";")]
        if (
            not sep
            or not name.strip()
            or not pct.isdigit()
            or len(shown) > 2
            or any(len(text) > 40 or not text.isprintable() for text in shown)
        ):
            raise BadRequest(
                _(
                    "category line %(number)s: write it as name = percent; French name; English name, "
                    "e.g. bulk = 150; Vrac; Bulk",
                    number=number,
                )
            )
        categories[name.strip()] = int(pct)
        shown_names = {lang: text for lang, text in zip(("fr", "en"), shown, strict=False) if text}
        if shown_names:
            names[name.strip()] = shown_names
    rules["categories"] = categories
    if names:
        rules["category_names"] = names
    promotions = []
    for number, line in enumerate((form.get("promotions") or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) not in (4, 5) or not parts[0] or not parts[3].isdigit():
            raise BadRequest(
                _("promotion line %(number)s: write it as name; start; end; percent; categories", number=number)
            )
        promo = {"name": parts[0], "starts": parts[1], "ends": parts[2], "multiplier_pct": int(parts[3])}
        if len(parts) == 5 and parts[4]:
            promo["categories"] = [c.strip() for c in parts[4].split(",") if c.strip()]
        promotions.append(promo)
    rules["promotions"] = promotions
    scale_from_rules(rules)
    return rules


def rules_to_form(rules: Mapping) -> dict[str, str]:
    """The editor's fields for a saved [earning] table (the inverse of `rules_from_form`)."""
    promos = []
    for p in rules.get("promotions", []):
        line = f"{p['name']}; {p['starts']}; {p['ends']}; {p['multiplier_pct']}"
        if p.get("categories"):
            line += "; " + ", ".join(p["categories"])
        promos.append(line)
    return {
        "base_points": str(rules.get("base_points", 1)),
        "per_cents": str(rules.get("per_cents", 100)),
        "per_amount": _euros_text(int(rules.get("per_cents", 100))),
        "receipt_cap": "" if rules.get("receipt_cap") is None else str(rules["receipt_cap"]),
        "daily_cap": "" if rules.get("daily_cap") is None else str(rules["daily_cap"]),
        "categories": "\n".join(
            _category_line(k, v, rules.get("category_names", {}).get(k, {}))
            for k, v in sorted(rules.get("categories", {}).items())
        ),
        "promotions": "\n".join(promos),
    }


def _euros_text(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _category_line(category: str, pct: int, names: Mapping[str, str]) -> str:
    line = f"{category} = {pct}"
    if names:
        line += f"; {names.get('fr', '')}; {names.get('en', '')}".rstrip("; ")
    return line


def rules_summary(rules: Mapping, language: str) -> str:
    """A saved version in words for the versions table: base rate in euros, categories by their shown names,
    caps and promotions with their days."""
    per_cents = int(rules.get("per_cents", 100))
    euros, cents = divmod(per_cents, 100)
    per = f"{euros},{cents:02d} €" if language == "fr" else f"€{euros}.{cents:02d}"
    parts = [_("base rate: %(points)s for each %(amount)s", points=rules.get("base_points", 1), amount=per)]
    names = rules.get("category_names", {})
    for category, pct in sorted(rules.get("categories", {}).items()):
        shown = names.get(category, {}).get(language) or category
        parts.append(_("%(category)s: %(pct)s %% of the base rate", category=shown, pct=pct))
    if rules.get("receipt_cap") is not None:
        parts.append(_("at most %(points)s points per receipt", points=rules["receipt_cap"]))
    if rules.get("daily_cap") is not None:
        parts.append(_("at most %(points)s points per customer and day", points=rules["daily_cap"]))
    for promo in rules.get("promotions", []):
        parts.append(
            _(
                "promotion %(name)s from %(start)s to %(end)s: %(pct)s %%",
                name=promo["name"],
                start=_day(promo["starts"]),
                end=_day(promo["ends"]),
                pct=promo["multiplier_pct"],
            )
        )
    return "; ".join(parts)


def _day(iso: str) -> str:
    try:
        day = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return day.strftime("%d/%m/%Y")


def scale_from_rules(rules: Mapping) -> EarningScale:
    """The domain's scale for an [earning] table, with the same checks as a device's kiosk.toml."""
    try:
        return earning_from_json(dict(rules)).scale()
    except ConfigError as exc:
        raise BadRequest(_("earning rules: %(problem)s", problem=exc)) from None


def preview(
    rules: Mapping, total_cents: int, category_cents: Mapping[str, int], day: date, earned_today: int = 0
) -> EarnQuote:
    """What a receipt earns under `rules`: categories as given, the rest of the total in the default one."""
    in_categories = sum(category_cents.values())
    if in_categories > total_cents:
        raise BadRequest(_("the category amounts add up to more than the receipt total"))
    lines = {k: v for k, v in category_cents.items() if v}
    rest = total_cents - in_categories
    if rest or not lines:
        lines[DEFAULT_CATEGORY] = lines.get(DEFAULT_CATEGORY, 0) + rest
    try:
        return quote_earn(scale_from_rules(rules), lines, day, earned_today)
    except InvalidAmount as exc:
        raise BadRequest(str(exc)) from None


def preview_from_form(rules: Mapping, form: Mapping[str, str]) -> EarnQuote:
    """The preview for the editor's sample receipt: total, one category amount, its category, a day."""
    total = parse_euros(form.get("sample_total"), _("receipt total"))
    category = (form.get("sample_category") or "").strip()
    category_cents = (
        {category: parse_euros(form.get("sample_category_amount") or "0", _("category amount"))} if category else {}
    )
    try:
        day = date.fromisoformat((form.get("sample_day") or "").strip())
    except ValueError:
        raise BadRequest(_("the preview day must be a date YYYY-MM-DD")) from None
    return preview(rules, total, category_cents, day)


def save_version(connection: Connection, actor: str, rules: dict, effective_from: date, today: date) -> int:
    """Keep a new dated version (checked first) and publish it at once when its day has come."""
    scale_from_rules(rules)
    if effective_from < today:
        raise BadRequest(_("the effective date cannot be in the past"))
    result = connection.execute(
        earning_rule_versions.insert().values(
            effective_from=effective_from.isoformat(),
            rules_json=json.dumps(rules, sort_keys=True),
            created_at=utc_now(),
            created_by=actor,
            published=False,
        )
    )
    version_id = int(result.inserted_primary_key[0])
    audit.record(
        connection,
        actor,
        "earning_rules.version",
        f"version {version_id}",
        None,
        {"effective_from": effective_from.isoformat(), "rules": rules},
    )
    publish_due(connection, today, actor)
    return version_id


def versions(connection: Connection) -> list[RuleVersion]:
    """Every saved version, newest effective date first."""
    rows = connection.execute(
        select(earning_rule_versions).order_by(
            earning_rule_versions.c.effective_from.desc(), earning_rule_versions.c.id.desc()
        )
    )
    return [
        RuleVersion(r.id, r.effective_from, json.loads(r.rules_json), r.created_at, r.created_by, r.published)
        for r in rows
    ]


def published_rules(connection: Connection) -> dict | None:
    """The [earning] table devices pull now (None while no scale was ever set)."""
    value = connection.execute(
        select(settings.c.value_json).where(settings.c.key == reference_data.EARNING_RULES)
    ).scalar_one_or_none()
    return json.loads(value) if value else None


def publish_due(connection: Connection, today: date, actor: str = "schedule") -> RuleVersion | None:
    """Publish the newest version whose day has come, if devices do not have it yet; returns it."""
    row = connection.execute(
        select(earning_rule_versions)
        .where(earning_rule_versions.c.effective_from <= today.isoformat())
        .order_by(earning_rule_versions.c.effective_from.desc(), earning_rule_versions.c.id.desc())
        .limit(1)
    ).first()
    if row is None or row.published:
        return None
    rules = json.loads(row.rules_json)
    before = published_rules(connection)
    reference_data.put_earning_rules(connection, rules)
    connection.execute(update(earning_rule_versions).where(earning_rule_versions.c.id == row.id).values(published=True))
    audit.record(connection, actor, "earning_rules.publish", f"version {row.id}", before, rules)
    log.info("earning rules version %s published (effective %s)", row.id, row.effective_from)
    return RuleVersion(row.id, row.effective_from, rules, row.created_at, row.created_by, True)
