"""Tiers and points expiry set in the back office: published as settings devices pull (`tiers`,
`expiry`), and the expiry run that records a `PointsExpired` event for every customer with points due."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Connection, select

from central.backoffice import audit
from central.errors import BadRequest
from central.ingest import ingest
from central.schema import customers, settings
from central.sql import Versions, insert_for
from loyalty.domain.expiry import ExpiryRule, expire
from loyalty.domain.ledger import Ledger
from loyalty.domain.lots import lots_from_json
from loyalty.domain.tiers import MAX_PERIOD_DAYS, Tier, TierScale
from loyalty.reference_settings import EXPIRY, TIERS

log = logging.getLogger(__name__)
#: The device id central's own events carry (expiry runs).
CENTRAL_DEVICE = "central"
#: Expiry events per ingest call, so a run over a chain's customers folds in bounded pieces.
EXPIRY_BATCH = 1000


def read_setting(connection: Connection, key: str) -> dict | None:
    value = connection.execute(select(settings.c.value_json).where(settings.c.key == key)).scalar()
    return json.loads(value) if value else None


def _publish(connection: Connection, actor: str, key: str, value: dict) -> None:
    before = read_setting(connection, key)
    versions = Versions(connection)
    statement = insert_for(connection, settings)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value_json": statement.excluded.value_json, "version": statement.excluded.version},
        ),
        {"key": key, "value_json": json.dumps(value, sort_keys=True), "version": versions.next()},
    )
    versions.save()
    audit.record(connection, actor, f"{key}.set", key, before, value)


def _whole(text: object, what: str) -> int:
    text = str(text or "").strip()
    if not text.isdigit():
        raise BadRequest(_("%(what)s must be a whole number", what=what))
    return int(text)


def tiers_from_form(form: Mapping[str, str]) -> TierScale:
    """`period_days` and lines `name = minimum points` (the first at 0), checked by the domain."""
    tiers = []
    for number, line in enumerate((form.get("tiers") or "").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, minimum = line.partition("=")
        if not sep or not name.strip():
            raise BadRequest(
                _("tier line %(number)s: write it as name = minimum points, e.g. silver = 500", number=number)
            )
        tiers.append(Tier(name.strip()[:40], _whole(minimum, _("tier line %(number)s: the minimum", number=number))))
    try:
        return TierScale(_whole(form.get("period_days"), _("the tier period")), tuple(tiers))
    except ValueError as exc:
        raise BadRequest(_in_language(exc)) from None


def expiry_from_form(form: Mapping[str, str]) -> ExpiryRule:
    try:
        return ExpiryRule(
            _whole(form.get("after_days"), _("the points lifetime")), _whole(form.get("notice_days"), _("the notice"))
        )
    except ValueError as exc:
        raise BadRequest(_in_language(exc)) from None


def _in_language(exc: ValueError) -> str:
    """The domain's refusal in the page's language (the domain itself speaks English only)."""
    said = {
        f"the tier period must be 1 to {MAX_PERIOD_DAYS} days": lazy_gettext(
            "the tier period must be 1 to %(days)s days", days=MAX_PERIOD_DAYS
        ),
        "the first tier must start at 0 points": lazy_gettext("the first tier must start at 0 points"),
        "tier thresholds must rise strictly from one tier to the next": lazy_gettext(
            "tier thresholds must rise strictly from one tier to the next"
        ),
        "tier names must differ": lazy_gettext("tier names must differ"),
        "points must live at least one day and the notice cannot be negative": lazy_gettext(
            "points must live at least one day and the notice cannot be negative"
        ),
    }
    return str(said.get(str(exc), exc))


def save_tiers(connection: Connection, actor: str, scale: TierScale) -> None:
    _publish(
        connection,
        actor,
        TIERS,
        {
            "period_days": scale.period_days,
            "tiers": [{"name": t.name, "min_points": t.min_points} for t in scale.tiers],
        },
    )


def save_expiry(connection: Connection, actor: str, rule: ExpiryRule) -> None:
    _publish(connection, actor, EXPIRY, {"after_days": rule.after_days, "notice_days": rule.notice_days})


def run_expiry(connection: Connection, actor: str, today: date) -> tuple[int, int]:
    """Record the expiry due today for every customer; returns (customers, points) expired.

    Each customer's balance, lots and debits are central's own rows (kept exact at every push), so the
    run reads one row per customer holding points instead of folding the whole ledger.
    """
    stored = read_setting(connection, EXPIRY)
    if stored is None:
        raise BadRequest(_("set the points lifetime before running expiry"))
    rule = ExpiryRule(stored["after_days"], stored["notice_days"])
    rows = connection.execute(
        select(customers.c.customer_id, customers.c.points, customers.c.lots, customers.c.debits)
        .where(customers.c.points > 0)
        .order_by(customers.c.customer_id)
    ).all()
    due = []
    for row in rows:
        ledger = Ledger(
            balances={row.customer_id: row.points},
            lots={row.customer_id: lots_from_json(row.lots)},
            debits={row.customer_id: row.debits},
        )
        event = expire(ledger, row.customer_id, today, rule, device_id=CENTRAL_DEVICE)
        if event is not None:
            due.append(event)
    for start in range(0, len(due), EXPIRY_BATCH):
        ingest(connection, due[start : start + EXPIRY_BATCH], None)
    total = sum(e.points for e in due)
    log.info("expiry run for %s: %d customer(s), %d point(s)", today.isoformat(), len(due), total)
    audit.record(
        connection,
        actor,
        "expiry.run",
        today.isoformat(),
        None,
        {"customers": len(due), "points": total, "through_day": rule.through_day(today).isoformat()},
    )
    return len(due), total
