"""Tiers and points expiry set in the back office: published as settings devices pull (`tiers`,
`expiry`), and the expiry run that records a `PointsExpired` event for every customer with points due."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date

from sqlalchemy import Connection, select

from central.backoffice import audit
from central.backoffice.reports import load_events
from central.ingest import ingest
from central.schema import settings
from central.sql import Versions, insert_for
from kiosk.domain.expiry import ExpiryRule, expire
from kiosk.domain.ledger import Ledger
from kiosk.domain.tiers import Tier, TierScale
from kiosk.errors import BadRequest

log = logging.getLogger(__name__)
TIERS, EXPIRY = "tiers", "expiry"
#: The device id central's own events carry (expiry runs).
CENTRAL_DEVICE = "central"


def read_setting(connection: Connection, key: str) -> dict | None:
    value = connection.execute(select(settings.c.value_json).where(settings.c.key == key)).scalar()
    return json.loads(value) if value else None


def _publish(connection: Connection, actor: str, key: str, value: dict) -> None:
    before = read_setting(connection, key)
    versions = Versions(connection)
    statement = insert_for(connection, settings)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["key"], set_={"value_json": statement.excluded.value_json,
                                      "version": statement.excluded.version}),
        {"key": key, "value_json": json.dumps(value, sort_keys=True), "version": versions.next()})
    versions.save()
    audit.record(connection, actor, f"{key}.set", key, before, value)


def _whole(text: object, what: str) -> int:
    text = str(text or "").strip()
    if not text.isdigit():
        raise BadRequest(f"{what} must be a whole number")
    return int(text)


def tiers_from_form(form: Mapping[str, str]) -> TierScale:
    """`period_days` and lines `name = minimum points` (the first at 0), checked by the domain."""
    tiers = []
    for number, line in enumerate((form.get("tiers") or "").splitlines(), 1):
        if not line.strip():
            continue
        name, sep, minimum = line.partition("=")
        if not sep or not name.strip():
            raise BadRequest(f"tier line {number}: write it as name = minimum points, e.g. silver = 500")
        tiers.append(Tier(name.strip()[:40], _whole(minimum, f"tier line {number}: the minimum")))
    try:
        return TierScale(_whole(form.get("period_days"), "the tier period"), tuple(tiers))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def expiry_from_form(form: Mapping[str, str]) -> ExpiryRule:
    try:
        return ExpiryRule(_whole(form.get("after_days"), "the points lifetime"),
                          _whole(form.get("notice_days"), "the notice"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def save_tiers(connection: Connection, actor: str, scale: TierScale) -> None:
    _publish(connection, actor, TIERS, {"period_days": scale.period_days,
                                        "tiers": [{"name": t.name, "min_points": t.min_points} for t in scale.tiers]})


def save_expiry(connection: Connection, actor: str, rule: ExpiryRule) -> None:
    _publish(connection, actor, EXPIRY, {"after_days": rule.after_days, "notice_days": rule.notice_days})


def run_expiry(connection: Connection, actor: str, today: date) -> tuple[int, int]:
    """Record the expiry due today for every customer; returns (customers, points) expired."""
    stored = read_setting(connection, EXPIRY)
    if stored is None:
        raise BadRequest("set the points lifetime before running expiry")
    rule = ExpiryRule(stored["after_days"], stored["notice_days"])
    ledger = Ledger.fold(load_events(connection))
    due = [event for customer in sorted(ledger.balances)
           if (event := expire(ledger, customer, today, rule, device_id=CENTRAL_DEVICE)) is not None]
    if due:
        ingest(connection, due, None)
    total = sum(e.points for e in due)
    log.info("expiry run for %s: %d customer(s), %d point(s)", today.isoformat(), len(due), total)
    audit.record(connection, actor, "expiry.run", today.isoformat(), None,
                 {"customers": len(due), "points": total, "through_day": rule.through_day(today).isoformat()})
    return len(due), total
