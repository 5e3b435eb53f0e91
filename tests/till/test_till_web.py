"""The till's HTTP side with Flask's test client: sign-in, CSRF, escaping, POS basket, figures, timeouts."""

from __future__ import annotations

import re

import pytest

from web import create_app

JSON = {"Accept": "application/json"}


@pytest.fixture
def app(service):
    service.till.cashiers.add("<b>Alice</b>", "cashier", "1234", cashier_id="alice")
    service.till.cashiers.add("Marc", "manager", "5678", cashier_id="marc", language="en")
    return create_app(service)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client, path: str = "/till/signin") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, cashier: str = "alice", pin: str = "1234") -> str:
    token = csrf_of(client)
    answer = client.post("/till/signin", data={"cashier_id": cashier, "pin": pin, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return re.search(r'data-csrf="([^"]+)"', client.get("/till/").get_data(as_text=True)).group(1)


def test_root_leads_to_the_till_once_cashiers_exist_and_the_status_page_stays(client):
    assert client.get("/").location.endswith("/till/")
    assert client.get("/till/").location.endswith("/till/signin")
    assert client.get("/status").status_code == 200


def test_root_shows_the_status_page_on_a_till_without_cashiers(service):
    assert create_app(service).test_client().get("/").status_code == 200


def test_sign_in_needs_the_csrf_token_and_the_right_pin(client):
    assert client.post("/till/signin", data={"cashier_id": "alice", "pin": "1234"}).status_code == 400
    token = csrf_of(client)
    wrong = client.post("/till/signin", data={"cashier_id": "alice", "pin": "0000", "csrf_token": token})
    assert wrong.status_code == 403 and "Code erroné." in wrong.get_data(as_text=True)


def test_names_are_escaped_everywhere(client, service):
    page = client.get("/till/signin").get_data(as_text=True)
    assert "<b>Alice</b>" not in page and "&lt;b&gt;Alice&lt;/b&gt;" in page
    csrf = sign_in(client)
    assert "<b>Alice</b>" not in client.get("/till/").get_data(as_text=True)
    headers = {**JSON, "X-CSRFToken": csrf}
    client.post("/till/api/sale", json={"amount_cents": 500}, headers=headers)
    client.post("/till/api/card", json={"uid": "DEADBEEF"}, headers=headers)
    answer = client.post(
        "/till/api/register", json={"first_name": "<script>alert(1)</script>", "consent": True}, headers=headers
    )
    assert answer.status_code == 422
    assert answer.json["kinds"][:3] == ["InvalidName", "InvalidCustomerText", "DomainError"]
    answer = client.post("/till/api/register", json={"first_name": "INES", "consent": True}, headers=headers)
    assert answer.json["customer"]["first_name"] == "Ines"  # the kiosk's rule: written the usual way
    page = client.get("/till/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_api_refuses_without_a_session_or_without_csrf(client):
    assert client.get("/till/api/state", headers=JSON).status_code == 403
    assert client.post("/till/api/sale", json={"amount_cents": 100}, headers=JSON).status_code == 400  # no token
    sign_in(client)
    assert client.post("/till/api/sale", json={"amount_cents": 100}, headers=JSON).status_code == 400


def test_pos_pushes_the_basket_from_this_machine_only(client, service):
    answer = client.post("/api/till/basket", json={"receipt_ref": "POS-42", "lines": {"general": 1990}})
    assert answer.status_code == 200 and answer.json["sale"] == {"receipt_ref": "POS-42", "amount_cents": 1990}
    assert service.till.snapshot()["sale"]["source"] == "pos"
    bad = client.post("/api/till/basket", json={"lines": {"general": -1}})
    assert bad.status_code == 422 and bad.json["error"] == "InvalidAmount"
    remote = client.post(
        "/api/till/basket", json={"lines": {"general": 100}}, environ_base={"REMOTE_ADDR": "192.168.1.20"}
    )
    assert remote.status_code == 403


def test_adoption_figures_are_for_managers(client, service):
    csrf = sign_in(client)
    headers = {**JSON, "X-CSRFToken": csrf}
    client.post("/till/api/sale", json={"amount_cents": 500}, headers=headers)
    client.post("/till/api/card", json={"uid": "DEADBEEF"}, headers=headers)
    client.post("/till/api/skip", json={}, headers=headers)
    assert client.get("/till/api/adoption", headers=JSON).status_code == 403
    client.post("/till/signout", data={"csrf_token": csrf})
    sign_in(client, "marc", "5678")
    rows = {row["cashier_id"]: row for row in client.get("/till/api/adoption", headers=JSON).json["cashiers"]}
    assert rows["alice"]["unknown_cards"] == 1 and rows["alice"]["skipped"] == 1
    assert rows["alice"]["capture_rate"] == 0.0


def test_language_follows_the_cashier(client, service):
    sign_in(client, "marc", "5678")
    assert "Sign out" in client.get("/till/").get_data(as_text=True)
    assert "Déconnexion" in client.get("/till/?lang=fr").get_data(as_text=True)
    assert service.till.cashiers.get("marc").language == "fr"


def test_session_times_out(client, service):
    sign_in(client)
    session = service.till.sessions.active()
    service.till.sessions._sessions[session.token] = type(session)(
        session.token, session.cashier, session.started, session.last_seen - 10_000
    )
    assert client.get("/till/").location.endswith("/till/signin")
    assert client.get("/till/api/state", headers=JSON).json["error"] == "NotSignedIn"


def test_the_daily_summary_print_is_for_managers(client, service):
    csrf = sign_in(client)
    headers = {**JSON, "X-CSRFToken": csrf}
    assert client.post("/till/api/daily-summary", json={"day": "2026-11-03"}, headers=headers).status_code == 403
    client.post("/till/signout", data={"csrf_token": csrf})
    csrf = sign_in(client, "marc", "5678")
    answer = client.post("/till/api/daily-summary", json={"day": "2026-11-03"}, headers={**JSON, "X-CSRFToken": csrf})
    assert answer.status_code >= 400 and "central" in answer.json["message"]  # this till has no central
    service.till.daily_summary_source = lambda day, lang: f"SUMMARY {day} {lang}"
    service.till.devices = None
    answer = client.post("/till/api/daily-summary", json={"day": "2026-11-03"}, headers={**JSON, "X-CSRFToken": csrf})
    assert answer.status_code >= 400 and "printer" in answer.json["message"]


def test_refusals_answer_a_code_per_kind_never_to_be_read_from_their_text(client, service):
    from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch

    headers = {**JSON, "X-CSRFToken": sign_in(client)}
    client.post("/till/api/card", json={"uid": "DEADBEEF"}, headers=headers)  # an unknown card: the form opens
    service.store.apply_batch(
        PulledBatch(cursor=1, customers=(CustomerState("other", 0, "Noé"),), cards=(CardState("DEADBEEF", "other"),))
    )  # linked at another till meanwhile
    taken = client.post("/till/api/register", json={"first_name": "Léa", "consent": True}, headers=headers)
    assert taken.status_code == 409 and taken.json["kinds"][0] == "CardAlreadyLinked"
    field = client.post(
        "/till/api/profile", json={"customer_id": "other", "field": "birthday", "value": "1/1"}, headers=headers
    )
    assert field.status_code == 422 and field.json["kinds"][0] == "InvalidProfileField"
    figures = client.get("/till/api/adoption", headers=JSON)  # alice is a cashier
    assert figures.status_code == 403 and figures.json["kinds"][:2] == ["NotForThisRole", "SignInRefused"]


def test_a_locked_sign_in_is_told_by_its_kind(client):
    token = csrf_of(client)
    for _ in range(5):
        client.post("/till/signin", data={"cashier_id": "alice", "pin": "0000", "csrf_token": token})
    locked = client.post("/till/signin", data={"cashier_id": "alice", "pin": "1234", "csrf_token": token})
    assert locked.status_code == 403 and "Connexion bloquée" in locked.get_data(as_text=True)  # not "wrong PIN"


def test_a_customer_chosen_from_the_list_opens_and_a_foreign_card_is_refused_by_its_own_code(client, service):
    from loyalty.domain.card_filter import CardFilter
    from loyalty.domain.snapshot import CentralSetting, PulledBatch
    from tests.factories import seed_store

    seed_store(service.store, 3)
    headers = {**JSON, "X-CSRFToken": sign_in(client)}
    found = client.get("/till/api/duplicates?q=Prénom2", headers=JSON).json["found"]
    assert [f["customer_id"] for f in found] == ["cust-00002"]
    opened = client.post("/till/api/customer/open", json={"customer_id": "cust-00002"}, headers=headers)
    assert opened.status_code == 200 and opened.json["customer"]["points"] == 20
    missing = client.post("/till/api/customer/open", json={"customer_id": "nobody"}, headers=headers)
    assert missing.status_code == 404 and missing.json["error"] == "UnknownCustomer"
    service.till.reference.apply(
        PulledBatch(cursor=1, settings=(CentralSetting("issued_cards", CardFilter.build(["A0000000"]).to_json()),))
    )
    service.till.cards.central = lambda uid: None  # a till of a chain; offline (no sync here)
    foreign = client.post("/till/api/card", json={"uid": "FFFF0000"}, headers=headers)
    assert foreign.status_code == 422 and foreign.json["error"] == "ForeignCard"
