"""Back-office pages show stored times as local DD/MM/YYYY HH:MM and calendar days as DD/MM/YYYY, never the
UTC ISO text central keeps; a calendar day is never moved by the time zone."""

from __future__ import annotations

import re
from datetime import date, timedelta

from central.backoffice import local_display, rules
from central.card_batches import create_batch
from central.transactions import in_transaction


def test_a_calendar_day_keeps_its_date_and_a_stamp_is_shown_in_local_time():
    assert local_display.local_day("2026-12-21") == "21/12/2026"
    assert re.fullmatch(r"\d\d/\d\d/2026 \d\d:\d\d", local_display.local_time("2026-12-21T09:30:00+00:00"))


def test_rule_versions_and_card_batches_show_local_days(office, engine):
    later = date.today() + timedelta(days=10)
    in_transaction(
        engine,
        lambda c: rules.save_version(
            c, "anna", {"base_points": 1, "per_cents": 100, "categories": {}, "promotions": []}, later, date.today()
        ),
    )
    page = office.get("/backoffice/rules/?lang=fr").get_data(as_text=True)
    assert f"<td>{later.strftime('%d/%m/%Y')}</td>" in page and later.isoformat() not in page.split('id="versions"')[1]
    in_transaction(engine, lambda c: create_batch(c, "company", None, 2))
    batches = office.get("/backoffice/card-batches/?lang=fr").get_data(as_text=True)
    assert f"<td>{date.today().strftime('%d/%m/%Y')}</td>" in batches
    assert not re.search(r"<td>20\d\d-\d\d-\d\d", batches)
