"""Back-office sessions end at once on sign-out, a new password, a new role and deactivation, also for a
copy of the session cookie kept in another browser."""

from __future__ import annotations

import pytest

from central.backoffice import sessions
from central.transactions import in_transaction
from tests.backoffice.conftest import HEAD_OFFICE, BackOffice


def _copy_of_session(app, office: BackOffice) -> BackOffice:
    """Another browser holding the same session cookie (copied, or left behind)."""
    other = BackOffice(app.test_client())
    other.client.set_cookie("session", office.client.get_cookie("session").value)
    assert other.get("/backoffice/audit").status_code == 200
    return other


def test_sign_out_ends_every_copy_of_the_session(app, office):
    copy = _copy_of_session(app, office)
    office.post("/backoffice/signout")
    response = copy.get("/backoffice/audit")
    assert response.status_code == 302 and "/backoffice/signin" in response.headers["Location"]


@pytest.mark.parametrize(
    "change",
    [
        lambda c: sessions.set_password(c, "test", HEAD_OFFICE[0], "a-brand-new-password"),
        lambda c: sessions.set_role(c, "test", HEAD_OFFICE[0], "manager"),
        lambda c: sessions.deactivate(c, "test", HEAD_OFFICE[0]),
    ],
    ids=["password", "role", "deactivated"],
)
def test_an_account_change_ends_its_open_sessions(app, engine, office, change):
    in_transaction(engine, change)
    response = office.get("/backoffice/audit")
    assert response.status_code == 302 and "/backoffice/signin" in response.headers["Location"]


def test_signing_in_again_after_sign_out_works(app, office):
    office.post("/backoffice/signout")
    office.sign_in(HEAD_OFFICE)
    assert office.get("/backoffice/audit").status_code == 200


def test_cli_changes_end_sessions(app, engine, office, sqlite_url):
    from click.testing import CliRunner

    from central.backoffice.users_cli import backoffice

    result = CliRunner().invoke(backoffice, ["--database-url", sqlite_url, "set-role", HEAD_OFFICE[0], "manager"])
    assert result.exit_code == 0, result.output
    assert office.get("/backoffice/audit").status_code == 302
