"""The account command: creates a user that can sign in; a weak password or a taken name is refused."""

from click.testing import CliRunner
from sqlalchemy import create_engine

from central.backoffice.accounts import SignIn
from central.backoffice.users_cli import backoffice
from central.transactions import in_transaction


def test_add_user_then_sign_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    runner = CliRunner()
    result = runner.invoke(
        backoffice,
        ["--database-url", url, "add-user", "hq", "--role", "head_office", "--password-stdin"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    user = in_transaction(engine, lambda c: SignIn().authenticate(c, "hq", "a-long-password"))
    assert user.role == "head_office"
    again = runner.invoke(
        backoffice,
        ["--database-url", url, "add-user", "hq", "--role", "manager", "--password-stdin"],
        input="another-long-one\n",
    )
    assert again.exit_code == 2 and "already taken" in again.output
    weak = runner.invoke(
        backoffice, ["--database-url", url, "add-user", "m", "--role", "manager", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code == 2 and "password" in weak.output
    engine.dispose()


def _central(tmp_path, *device_ids):
    """A migrated central database holding these devices (as after making their enrolment codes)."""
    from central.db import make_engine, migrate
    from central.devices import create_enrolment_code

    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(url)
    migrate(engine)
    for device_id in device_ids:
        in_transaction(engine, lambda c, device_id=device_id: create_enrolment_code(c, device_id))
    return url, engine


def test_a_manager_is_made_with_their_stores_and_given_others_later(tmp_path):
    from central.backoffice import audit
    from central.backoffice.accounts import find_user

    url, engine = _central(tmp_path, "till-1", "till-2", "kiosk-1")
    runner = CliRunner()
    made = runner.invoke(
        backoffice,
        [
            "--database-url",
            url,
            "add-user",
            "marc",
            "--role",
            "manager",
            "--store",
            "till-1",
            "--store",
            "kiosk-1",
            "--password-stdin",
        ],
        input="a-long-password\n",
    )
    assert made.exit_code == 0, made.output
    assert "stores: kiosk-1, till-1" in made.output
    assert in_transaction(engine, lambda c: find_user(c, "marc")).stores == {"till-1", "kiosk-1"}
    changed = runner.invoke(backoffice, ["--database-url", url, "set-stores", "marc", "--store", "till-2"])
    assert changed.exit_code == 0, changed.output
    assert in_transaction(engine, lambda c: find_user(c, "marc")).stores == {"till-2"}
    emptied = runner.invoke(backoffice, ["--database-url", url, "set-stores", "marc"])
    assert emptied.exit_code == 0 and "stores none" in emptied.output
    assert in_transaction(engine, lambda c: find_user(c, "marc")).stores == frozenset()
    trail = in_transaction(engine, lambda c: audit.recent(c, 10))
    assert [(e.actor, e.action, e.before, e.after) for e in reversed(trail)] == [
        ("command-line", "user.stores", [], ["kiosk-1", "till-1"]),
        ("command-line", "user.stores", ["kiosk-1", "till-1"], ["till-2"]),
        ("command-line", "user.stores", ["till-2"], []),
    ]
    engine.dispose()


def test_bad_stores_are_refused_and_nothing_is_made(tmp_path):
    from central.backoffice.accounts import find_user

    url, engine = _central(tmp_path, "till-1")
    runner = CliRunner()
    unknown = runner.invoke(
        backoffice,
        [
            "--database-url",
            url,
            "add-user",
            "marc",
            "--role",
            "manager",
            "--store",
            "till-1",
            "--store",
            "till-9",
            "--password-stdin",
        ],
        input="a-long-password\n",
    )
    assert unknown.exit_code == 2 and "no device till-9" in unknown.output
    assert in_transaction(engine, lambda c: find_user(c, "marc")) is None  # one transaction: no account either
    head = runner.invoke(
        backoffice,
        ["--database-url", url, "add-user", "hq", "--role", "head_office", "--store", "till-1", "--password-stdin"],
        input="a-long-password\n",
    )
    assert head.exit_code == 2 and "head office sees every store" in head.output
    assert in_transaction(engine, lambda c: find_user(c, "hq")) is None
    nobody = runner.invoke(backoffice, ["--database-url", url, "set-stores", "nobody", "--store", "till-1"])
    assert nobody.exit_code == 2 and "no back-office user nobody" in nobody.output
    alone = runner.invoke(
        backoffice,
        ["--database-url", url, "add-user", "lea", "--role", "manager", "--password-stdin"],
        input="a-long-password\n",
    )
    assert alone.exit_code == 0 and "sees no store until given some" in alone.output
    engine.dispose()
