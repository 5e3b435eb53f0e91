"""Back-office accounts: hashed passwords, unique names, roles, and the lockout after repeated failures."""

import pytest
from sqlalchemy import select

from central.backoffice.accounts import SignIn, create_user, hash_password
from central.errors import BadRequest, Conflict
from central.schema import backoffice_users
from central.transactions import in_transaction
from loyalty.cashiers import PinGuard, verify_pin
from loyalty.errors import SignInLocked, SignInRefused
from tests.backoffice.conftest import HEAD_OFFICE, MANAGER


def test_password_is_stored_as_a_salted_scrypt_hash(engine):
    stored = in_transaction(
        engine,
        lambda c: c.execute(
            select(backoffice_users.c.password_hash).where(backoffice_users.c.user_id == HEAD_OFFICE[0])
        ).scalar_one(),
    )
    assert stored.startswith("scrypt$") and HEAD_OFFICE[1] not in stored
    assert verify_pin(HEAD_OFFICE[1], stored) and not verify_pin("wrong-password", stored)
    assert hash_password(HEAD_OFFICE[1]) != hash_password(HEAD_OFFICE[1])


@pytest.mark.parametrize(
    "user_id, role, password",
    [
        ("ok", "cashier", "long-enough-password"),
        ("bad name", "manager", "long-enough-password"),
        ("ok2", "manager", "short"),
    ],
)
def test_bad_accounts_are_refused(engine, user_id, role, password):
    with pytest.raises(BadRequest):
        in_transaction(engine, lambda c: create_user(c, user_id, role, password))


def test_a_taken_name_is_refused(engine):
    with pytest.raises(Conflict):
        in_transaction(engine, lambda c: create_user(c, MANAGER[0], "head_office", "another-password"))


def test_wrong_password_and_unknown_user_get_the_same_answer(engine):
    checker = SignIn()
    with pytest.raises(SignInRefused, match="wrong user name or password"):
        in_transaction(engine, lambda c: checker.authenticate(c, HEAD_OFFICE[0], "not-the-password"))
    with pytest.raises(SignInRefused, match="wrong user name or password"):
        in_transaction(engine, lambda c: checker.authenticate(c, "nobody", "not-the-password"))
    user = in_transaction(engine, lambda c: checker.authenticate(c, *HEAD_OFFICE))
    assert (user.user_id, user.role, user.is_head_office) == ("anna", "head_office", True)


def test_five_failures_lock_the_account_even_for_the_right_password(engine):
    now = [1000.0]
    checker = SignIn(PinGuard(max_failures=5, base_lock_s=60, clock=lambda: now[0]))
    for _ in range(5):
        with pytest.raises(SignInRefused):
            in_transaction(engine, lambda c: checker.authenticate(c, MANAGER[0], "guess-guess-guess"))
    with pytest.raises(SignInLocked):
        in_transaction(engine, lambda c: checker.authenticate(c, *MANAGER))
    now[0] += 61
    assert in_transaction(engine, lambda c: checker.authenticate(c, *MANAGER)).role == "manager"


def test_an_unknown_name_costs_a_password_check_too(engine, monkeypatch):
    import central.backoffice.accounts as accounts

    checked = []
    real = accounts.PinGuard.check

    def spy(self, user_id, password, pin_hash, *source):
        checked.append(pin_hash)
        return real(self, user_id, password, pin_hash, *source)

    monkeypatch.setattr(accounts.PinGuard, "check", spy)
    checker = SignIn()
    with pytest.raises(SignInRefused, match="wrong user name or password"):
        in_transaction(engine, lambda c: checker.authenticate(c, "nobody", "whatever-password"))
    assert checked and checked[0] is not None and checked[0].startswith("scrypt$")
