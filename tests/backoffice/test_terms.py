"""Tiers and expiry in the back office: rules pulled by devices, the expiry run recorded as ledger events
equal to what the domain's fold says is due, run twice without harm, and seen in the reports."""

import json
from datetime import date

import pytest

from central.backoffice import loyalty_terms, reports
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.expiry import ExpiryRule
from loyalty.domain.ledger import Ledger
from tests.backoffice.ledgers import build_week


def test_tiers_and_expiry_rules_reach_devices(office, app, engine):
    assert (
        office.post(
            "/backoffice/terms/tiers", {"period_days": "365", "tiers": "bronze = 0\nsilver = 500\ngold = 2000"}
        ).status_code
        == 302
    )
    assert office.post("/backoffice/terms/expiry", {"after_days": "730", "notice_days": "30"}).status_code == 302
    token = enrol_device(engine, "till-1")
    pulled = app.test_client().get("/api/sync/pull?cursor=0", headers={"Authorization": f"Bearer {token}"}).json
    found = {s["key"]: json.loads(s["value_json"]) for s in pulled["settings"]}
    assert found["tiers"]["tiers"][1] == {"name": "silver", "min_points": 500}
    assert found["expiry"] == {"after_days": 730, "notice_days": 30}
    bad = office.post("/backoffice/terms/tiers", {"period_days": "365", "tiers": "silver = 500"})
    assert bad.status_code == 400 and "first tier must start at 0" in bad.get_data(as_text=True)
    assert office.post("/backoffice/terms/expiry", {"after_days": "0", "notice_days": "3"}).status_code == 400
    assert in_transaction(engine, lambda c: loyalty_terms.read_setting(c, "expiry"))["after_days"] == 730


def test_expiry_run_matches_the_domain_and_runs_once(office, engine):
    week = build_week()
    in_transaction(engine, lambda c: ingest(c, week, None))
    refused = office.post("/backoffice/terms/expiry/run")
    assert refused.status_code == 400  # no lifetime set yet: nothing expires by accident
    office.post("/backoffice/terms/expiry", {"after_days": "3", "notice_days": "1"})
    today = date(2026, 11, 6)
    ledger = Ledger.fold(week)
    through = ExpiryRule(3, 1).through_day(today).isoformat()
    due = {c: ledger.expirable(c, through) for c in ledger.balances}
    customers, points = in_transaction(engine, lambda c: loyalty_terms.run_expiry(c, "anna", today))
    assert points == sum(due.values()) > 0 and customers == sum(1 for p in due.values() if p)
    assert in_transaction(engine, lambda c: loyalty_terms.run_expiry(c, "anna", today)) == (0, 0)
    report = in_transaction(engine, lambda c: reports.build_report(c, reports.Period()))
    s = report.summary
    assert s.points_expired == points
    after = Ledger.fold(in_transaction(engine, reports.load_events))
    assert s.points_earned - s.points_reversed - s.points_redeemed - s.points_expired == sum(after.balances.values())
    page = office.post("/backoffice/terms/expiry/run").get_data(as_text=True)
    assert "points expired for" in page


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_expiry_run_from_central_rows_takes_what_the_full_fold_says(engine, monkeypatch, seed):
    """The run reads each customer's lots and debits; the whole ledger's fold is the reference."""
    monkeypatch.setattr(loyalty_terms, "EXPIRY_BATCH", 7)  # several ingest calls per run
    week = build_week(seed)
    for start in range(0, len(week), 30):
        in_transaction(engine, lambda c: ingest(c, week[start : start + 30], None))
    rule = ExpiryRule(2, 1)
    in_transaction(engine, lambda c: loyalty_terms.save_expiry(c, "anna", rule))
    for today in (date(2026, 11, 4), date(2026, 11, 6), date(2026, 11, 9)):
        folded = Ledger.fold(in_transaction(engine, reports.load_events))
        through = rule.through_day(today).isoformat()
        due = {c: p for c in folded.balances if (p := folded.expirable(c, through)) > 0}
        assert in_transaction(engine, lambda c: loyalty_terms.run_expiry(c, "anna", today)) == (
            len(due),
            sum(due.values()),
        )
        expired = [
            e
            for e in in_transaction(engine, reports.load_events)
            if e.type == "PointsExpired" and e.through_day == through
        ]
        assert {e.customer_id: e.points for e in expired} == due


def test_the_domain_refusal_of_a_tier_scale_reads_in_french(app):
    from tests.backoffice.conftest import HEAD_OFFICE, BackOffice

    office = BackOffice(app.test_client())
    office.sign_in(HEAD_OFFICE, "fr")
    bad = office.post("/backoffice/terms/tiers", {"period_days": "365", "tiers": "argent = 500"})
    assert bad.status_code == 400 and "le premier niveau doit commencer à 0 point" in bad.get_data(as_text=True)
