"""`python -m central.backoffice add-user NAME --role head_office`: create back-office accounts, and tie a
manager to their stores (`--store DEVICE`, repeatable; `set-stores` changes them later).

The password is asked on the terminal (typed twice, never echoed) or read from standard input with
`--password-stdin`, so it never appears in the shell history or the process list.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

import click

from loyalty.errors import KioskError

#: The audit's actor for changes made on central's command line.
CLI_ACTOR = "command-line"


@click.group(name="backoffice")
@click.option(
    "--database-url",
    envvar="CENTRAL_DATABASE_URL",
    default=None,
    help="central's database (default: from central's settings)",
)
@click.pass_context
def backoffice(ctx: click.Context, database_url: str | None) -> None:
    """Accounts of the head-office back office."""
    ctx.obj = {"database_url": database_url}


def _in_central(ctx: click.Context, work: Callable) -> None:
    """Run `work` in one transaction on central's (migrated) database; a refusal exits 2 with its reason."""
    from central.db import make_engine, migrate
    from central.settings import load_settings
    from central.transactions import in_transaction

    try:
        settings = load_settings()
        if ctx.obj["database_url"]:
            settings = dataclasses.replace(settings, database_url=ctx.obj["database_url"])
        engine = make_engine(settings.resolved_database_url)
        try:
            migrate(engine)
            in_transaction(engine, work)
        finally:
            engine.dispose()
    except KioskError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@backoffice.command("add-user")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["manager", "head_office"]), required=True)
@click.option(
    "--store",
    "stores",
    multiple=True,
    metavar="DEVICE_ID",
    help="a store (device id) the manager sees and changes; repeat for several",
)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def add_user(ctx: click.Context, user_id: str, role: str, stores: tuple[str, ...], password_stdin: bool) -> None:
    """Create a back-office user that signs in at /backoffice."""
    from central.backoffice.accounts import create_user
    from central.backoffice.store_assignments import set_stores

    if stores and role != "manager":
        click.echo("error: head office sees every store; --store is for managers", err=True)
        sys.exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)

    def work(connection) -> None:
        create_user(connection, user_id, role, password)
        if stores:
            set_stores(connection, CLI_ACTOR, user_id, stores)

    _in_central(ctx, work)
    where = f", stores: {', '.join(sorted(set(stores)))}" if stores else ""
    click.echo(f"user {user_id} created ({role}{where})")
    if role == "manager" and not stores:
        click.echo("this manager sees no store until given some: set-stores NAME --store DEVICE_ID")


@backoffice.command("set-stores")
@click.argument("user_id")
@click.option(
    "--store",
    "stores",
    multiple=True,
    metavar="DEVICE_ID",
    help="a store (device id); repeat for several; none takes every store away",
)
@click.pass_context
def set_user_stores(ctx: click.Context, user_id: str, stores: tuple[str, ...]) -> None:
    """Replace the stores a manager sees and changes (audited)."""
    from central.backoffice.store_assignments import set_stores

    _in_central(ctx, lambda c: set_stores(c, CLI_ACTOR, user_id, stores))
    click.echo(f"user {user_id}: stores {', '.join(sorted(set(stores))) or 'none'}")


@backoffice.command("set-password")
@click.argument("user_id")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def set_user_password(ctx: click.Context, user_id: str, password_stdin: bool) -> None:
    """Give a user a new password; their open sessions end at once."""
    from central.backoffice.sessions import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    _in_central(ctx, lambda c: set_password(c, CLI_ACTOR, user_id, password))
    click.echo(f"user {user_id}: password changed, open sessions ended")


@backoffice.command("set-role")
@click.argument("user_id")
@click.argument("role", type=click.Choice(["manager", "head_office"]))
@click.pass_context
def set_user_role(ctx: click.Context, user_id: str, role: str) -> None:
    """Change a user's role; their open sessions end at once."""
    from central.backoffice.sessions import set_role

    _in_central(ctx, lambda c: set_role(c, CLI_ACTOR, user_id, role))
    click.echo(f"user {user_id}: role {role}, open sessions ended")


@backoffice.command("deactivate")
@click.argument("user_id")
@click.pass_context
def deactivate_user(ctx: click.Context, user_id: str) -> None:
    """Stop a user from signing in; their open sessions end at once."""
    from central.backoffice.sessions import deactivate

    _in_central(ctx, lambda c: deactivate(c, CLI_ACTOR, user_id))
    click.echo(f"user {user_id}: deactivated, open sessions ended")
