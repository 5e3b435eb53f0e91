"""`python -m central.backoffice add-user NAME --role head_office`: create back-office accounts.

The password is asked on the terminal (typed twice, never echoed) or read from standard input with
`--password-stdin`, so it never appears in the shell history or the process list.
"""

from __future__ import annotations

import dataclasses
import sys

import click

from kiosk.errors import KioskError


@click.group(name="backoffice")
@click.option("--database-url", envvar="CENTRAL_DATABASE_URL", default=None,
              help="central's database (default: from central's settings)")
@click.pass_context
def backoffice(ctx: click.Context, database_url: str | None) -> None:
    """Accounts of the head-office back office."""
    ctx.obj = {"database_url": database_url}


@backoffice.command("add-user")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["manager", "head_office"]), required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def add_user(ctx: click.Context, user_id: str, role: str, password_stdin: bool) -> None:
    """Create a back-office user that signs in at /backoffice."""
    from central.backoffice.accounts import create_user
    from central.db import make_engine, migrate
    from central.settings import load_settings
    from central.transactions import in_transaction

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        settings = load_settings()
        if ctx.obj["database_url"]:
            settings = dataclasses.replace(settings, database_url=ctx.obj["database_url"])
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        in_transaction(engine, lambda c: create_user(c, user_id, role, password))
        engine.dispose()
    except KioskError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"user {user_id} created ({role})")
