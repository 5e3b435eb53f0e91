"""Earning scale editor: form parsing, a preview that is the tills' own computation, dated versions
published to devices through the pull, every change audited."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from central import create_app
from central.backoffice import audit, rules
from central.embedded import enrol_device
from central.errors import BadRequest
from central.schema import audit as audit_table
from central.transactions import in_transaction
from device.config import parse_config
from loyalty.domain.earning import quote_earn

FORM = {
    "base_points": "1",
    "per_cents": "100",
    "receipt_cap": "",
    "daily_cap": "500",
    "categories": "bakery = 200\nwine=50",
    "promotions": "noel; 2026-12-20; 2026-12-24; 300; bakery",
}
TODAY = date.today()  # publishing checks the real day at each request, so the test must use it too


def test_the_form_becomes_the_earning_table_and_back():
    parsed = rules.rules_from_form(FORM)
    assert parsed == {
        "base_points": 1,
        "per_cents": 100,
        "daily_cap": 500,
        "categories": {"bakery": 200, "wine": 50},
        "promotions": [
            {
                "name": "noel",
                "starts": "2026-12-20",
                "ends": "2026-12-24",
                "multiplier_pct": 300,
                "categories": ["bakery"],
            }
        ],
    }
    assert rules.rules_from_form(rules.rules_to_form(parsed)) == parsed


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("base_points", "-1", "“Points” must be a whole number"),
        ("per_cents", "0", "per_cents"),
        ("categories", "bakery 200", "category line 1"),
        ("promotions", "x; 2026-12-24; 2026-12-20; 200", "before"),
        ("promotions", "x; 24/12; 2026-12-20; 200", "YYYY-MM-DD"),
        ("daily_cap", "lots", "“Cap per customer and day”"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(field, value, message):
    with pytest.raises(BadRequest, match=message):
        rules.rules_from_form(FORM | {field: value})


def test_the_example_preview_matches_the_domain():
    parsed = rules.rules_from_form(FORM)
    quote = rules.preview_from_form(
        parsed,
        {
            "sample_total": "47,90",
            "sample_category": "bakery",
            "sample_category_amount": "12",
            "sample_day": "2026-12-21",
        },
    )
    scale = parse_config(
        {
            "earning": {
                "base_points": 1,
                "per_cents": 100,
                "daily_cap": 500,
                "categories": {"bakery": 200, "wine": 50},
                "promotions": [
                    {
                        "name": "noel",
                        "starts": date(2026, 12, 20),
                        "ends": date(2026, 12, 24),
                        "multiplier_pct": 300,
                        "categories": ["bakery"],
                    }
                ],
            }
        }
    ).earning.scale()
    expected = quote_earn(scale, {"bakery": 1200, "general": 3590}, date(2026, 12, 21))
    assert quote == expected
    assert quote.points == 35 + 72  # 35,90 € at 1/€ floored, plus 12 € at 200 % × 300 %


@settings(max_examples=60, deadline=None)
@given(
    base=st.integers(0, 20),
    per=st.integers(1, 1000),
    pct=st.integers(0, 500),
    cap=st.none() | st.integers(0, 300),
    total=st.integers(0, 500_000),
    share=st.integers(0, 100),
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_any_preview_is_exactly_quote_earn(base, per, pct, cap, total, share, day):
    form = {
        "base_points": str(base),
        "per_cents": str(per),
        "receipt_cap": "" if cap is None else str(cap),
        "categories": f"fresh = {pct}",
        "promotions": "weekend; 2026-06-01; 2026-06-30; 250",
    }
    parsed = rules.rules_from_form(form)
    in_category = total * share // 100
    quote = rules.preview(parsed, total, {"fresh": in_category}, day)
    lines = {k: v for k, v in {"fresh": in_category, "general": total - in_category}.items() if v} or {"general": 0}
    assert quote == quote_earn(rules.scale_from_rules(parsed), lines, day)


def test_category_amounts_above_the_total_are_refused():
    with pytest.raises(BadRequest, match="more than the receipt total"):
        rules.preview(rules.DEFAULT_RULES, 1000, {"bakery": 1200}, TODAY)


@pytest.fixture
def central(database_url):
    app = create_app(database_url, admin_token="t")
    yield app
    app.extensions["central.engine"].dispose()


def _pulled_rules(app):
    token = enrol_device(app.extensions["central.engine"], "till-1")
    pulled = app.test_client().get("/api/sync/pull?cursor=0", headers={"Authorization": f"Bearer {token}"}).json
    found = [s for s in pulled["settings"] if s["key"] == "earning_rules"]
    return json.loads(found[0]["value_json"]) if found else None


def test_a_version_dated_today_reaches_devices_at_once_and_is_audited(central):
    engine = central.extensions["central.engine"]
    parsed = rules.rules_from_form(FORM)
    in_transaction(engine, lambda c: rules.save_version(c, "anna", parsed, TODAY, TODAY))
    assert _pulled_rules(central) == parsed
    trail = in_transaction(engine, lambda c: audit.recent(c))
    assert [e.action for e in trail] == ["earning_rules.publish", "earning_rules.version"]
    assert trail[0].before is None and trail[0].after == parsed and trail[0].actor == "anna"


def test_a_future_version_waits_for_its_day(central):
    engine = central.extensions["central.engine"]
    first, second = rules.rules_from_form(FORM), rules.rules_from_form(FORM | {"base_points": "2"})
    in_transaction(engine, lambda c: rules.save_version(c, "anna", first, TODAY, TODAY))
    in_transaction(engine, lambda c: rules.save_version(c, "anna", second, TODAY + timedelta(days=7), TODAY))
    assert _pulled_rules(central) == first
    assert in_transaction(engine, lambda c: rules.publish_due(c, TODAY + timedelta(days=6))) is None
    published = in_transaction(engine, lambda c: rules.publish_due(c, TODAY + timedelta(days=7)))
    assert published.rules == second
    assert in_transaction(engine, lambda c: rules.publish_due(c, TODAY + timedelta(days=8))) is None
    assert in_transaction(engine, rules.published_rules) == second
    last = in_transaction(engine, lambda c: audit.recent(c, 1))[0]
    assert (last.actor, last.before, last.after) == ("schedule", first, second)


def test_a_past_effective_date_is_refused_and_nothing_is_kept(central):
    engine = central.extensions["central.engine"]
    with pytest.raises(BadRequest, match="past"):
        in_transaction(
            engine, lambda c: rules.save_version(c, "anna", rules.DEFAULT_RULES, TODAY - timedelta(days=1), TODAY)
        )
    assert in_transaction(engine, rules.versions) == []
    assert in_transaction(engine, lambda c: c.execute(select(audit_table)).all()) == []


def test_the_editor_page_saves_previews_and_refuses(office, app):
    page = office.post(
        "/backoffice/rules/",
        FORM
        | {
            "sample_total": "47,90",
            "sample_category": "bakery",
            "sample_category_amount": "12,00",
            "sample_day": "2026-12-21",
            "effective_from": date.today().isoformat(),
            "action": "preview",
        },
    )
    assert page.status_code == 200
    assert "A 47,90 € receipt with 12,00 € of bakery on 2026-12-21 earns 107 points." in page.get_data(as_text=True)
    live = office.post(
        "/backoffice/rules/preview",
        FORM
        | {
            "sample_total": "47,90",
            "sample_category": "bakery",
            "sample_category_amount": "12",
            "sample_day": "2026-12-21",
        },
    )
    assert live.json["points"] == 107 and live.json["ok"] is True
    bad = office.post(
        "/backoffice/rules/",
        FORM | {"categories": "oops", "effective_from": date.today().isoformat(), "action": "save"},
    )
    assert bad.status_code == 400 and "category line 1" in bad.get_data(as_text=True)
    assert in_transaction(app.extensions["central.engine"], rules.versions) == []
    saved = office.post("/backoffice/rules/", FORM | {"effective_from": date.today().isoformat(), "action": "save"})
    assert saved.status_code == 302
    assert in_transaction(app.extensions["central.engine"], rules.published_rules) == rules.rules_from_form(FORM)
    listing = office.get("/backoffice/audit").get_data(as_text=True)
    assert "earning_rules.publish" in listing and "anna" in listing


@pytest.mark.parametrize(
    "lang, field, value, said",
    [
        ("fr", "categories", "bakery 200", "catégorie, ligne 1 : écrivez nom = pourcentage"),
        ("fr", "daily_cap", "lots", "« Plafond par client et par jour » doit être un nombre entier"),
        ("en", "categories", "bakery 200", "category line 1: write it as name = percent"),
    ],
)
def test_a_refused_form_says_why_in_the_page_language(app, lang, field, value, said):
    from tests.backoffice.conftest import HEAD_OFFICE, BackOffice

    office = BackOffice(app.test_client())
    office.sign_in(HEAD_OFFICE, lang)
    bad = office.post(
        "/backoffice/rules/", FORM | {field: value, "effective_from": date.today().isoformat(), "action": "save"}
    )
    assert bad.status_code == 400 and said in bad.get_data(as_text=True)
