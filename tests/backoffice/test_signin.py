"""Sign-in pages: everything behind sign-in, CSRF on every form, roles, sign-out, language switch."""

from sqlalchemy import func, select

from central.schema import earning_rule_versions
from central.transactions import in_transaction
from tests.backoffice.conftest import HEAD_OFFICE, BackOffice


def test_every_page_asks_to_sign_in_first(app):
    client = app.test_client()
    for path in (
        "/backoffice/",
        "/backoffice/rules/",
        "/backoffice/reports/",
        "/backoffice/audit",
        "/backoffice/reports/summary.csv",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/backoffice/signin" in response.location


def test_wrong_password_shows_a_message_and_no_session(app):
    session = BackOffice(app.test_client())
    session.get("/backoffice/signin?lang=fr")
    response = session.post("/backoffice/signin", {"user_id": "anna", "password": "wrong-password"})
    assert response.status_code == 401
    assert "Nom d’utilisateur ou mot de passe incorrect." in response.get_data(as_text=True)
    assert session.client.get("/backoffice/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, office, engine):
    response = office.client.post(
        "/backoffice/rules/",
        data={"base_points": "1", "per_cents": "100", "effective_from": "2030-01-01", "action": "save"},
    )
    assert response.status_code == 400
    assert "formulaire" in response.get_data(as_text=True) or "form" in response.get_data(as_text=True)
    count = in_transaction(
        engine, lambda c: c.execute(select(func.count()).select_from(earning_rule_versions)).scalar()
    )
    assert count == 0


def test_sign_in_without_csrf_token_is_refused(app):
    response = app.test_client().post("/backoffice/signin", data={"user_id": "anna", "password": HEAD_OFFICE[1]})
    assert response.status_code == 400


def test_a_manager_sees_reports_but_not_the_head_office_pages(manager):
    assert manager.get("/backoffice/reports/").status_code == 200
    for path in ("/backoffice/rules/", "/backoffice/audit"):
        response = manager.get(path)
        assert response.status_code == 403
        assert "head office" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(office):
    assert office.get("/backoffice/rules/").status_code == 200
    response = office.post("/backoffice/signout")
    assert response.status_code == 302
    assert office.client.get("/backoffice/rules/").status_code == 302


def test_the_next_address_never_leads_off_site(app):
    session = BackOffice(app.test_client())
    session.get("/backoffice/signin?next=https://evil.example/")
    response = session.post(
        "/backoffice/signin?next=https://evil.example/", {"user_id": HEAD_OFFICE[0], "password": HEAD_OFFICE[1]}
    )
    assert response.location == "/backoffice/"


def test_the_session_cookie_holds_no_password(app):
    session = BackOffice(app.test_client())
    session.sign_in(HEAD_OFFICE)
    cookie = session.client.get_cookie("session")
    assert cookie is not None and HEAD_OFFICE[1] not in cookie.value


def test_language_switch(office):
    assert "Earning scale" in office.get("/backoffice/?lang=en").get_data(as_text=True)
    assert "Barème" in office.get("/backoffice/?lang=fr").get_data(as_text=True)
    assert "Barème" in office.get("/backoffice/").get_data(as_text=True)


def test_json_apis_still_work_without_csrf(app, engine):
    response = app.test_client().get("/api/admin/devices", headers={"Authorization": "Bearer test-admin-token"})
    assert response.status_code == 200
