"""Nobody can lock a back-office account on purpose: a guesser's address is locked, the owner elsewhere is not."""

from __future__ import annotations

from tests.backoffice.conftest import MANAGER, BackOffice


def _from(app, address: str) -> BackOffice:
    session = BackOffice(app.test_client())
    session.client.environ_base["REMOTE_ADDR"] = address
    return session


def test_a_stranger_guessing_does_not_lock_the_manager_out(app):
    stranger = _from(app, "203.0.113.9")
    for _ in range(8):
        stranger.get("/backoffice/signin")
        stranger.post("/backoffice/signin", {"user_id": MANAGER[0], "password": "guess-guess-guess"})
    stranger.get("/backoffice/signin")
    locked = stranger.post("/backoffice/signin", {"user_id": MANAGER[0], "password": MANAGER[1]})
    assert locked.status_code == 401  # even the right password, from the guesser's address
    page = locked.get_data(as_text=True)
    assert "Connexion bloquée" in page and "mot de passe incorrect" not in page  # says locked, not wrong
    owner = _from(app, "198.51.100.7")
    owner.sign_in(MANAGER)
    assert owner.get("/backoffice/").status_code == 200
