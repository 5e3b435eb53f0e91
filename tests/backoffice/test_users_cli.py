"""The account command: creates a user that can sign in; a weak password or a taken name is refused."""

from click.testing import CliRunner
from sqlalchemy import create_engine

from central.backoffice.accounts import SignIn
from central.backoffice.users_cli import backoffice
from central.transactions import in_transaction


def test_add_user_then_sign_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'central.db'}"
    runner = CliRunner()
    result = runner.invoke(backoffice, ["--database-url", url, "add-user", "hq", "--role", "head_office",
                                        "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    user = in_transaction(engine, lambda c: SignIn().authenticate(c, "hq", "a-long-password"))
    assert user.role == "head_office"
    again = runner.invoke(backoffice, ["--database-url", url, "add-user", "hq", "--role", "manager",
                                       "--password-stdin"], input="another-long-one\n")
    assert again.exit_code == 2 and "already taken" in again.output
    weak = runner.invoke(backoffice, ["--database-url", url, "add-user", "m", "--role", "manager",
                                      "--password-stdin"], input="short\n")
    assert weak.exit_code == 2 and "password" in weak.output
    engine.dispose()
