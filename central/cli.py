"""`kiosk central ...`: serve central, migrate its database, register devices, seed demo data."""

from __future__ import annotations

import logging
import sys

import click

from loyalty.errors import KioskError

log = logging.getLogger(__name__)


def _settings(database_url: str | None):
    import dataclasses

    from central.settings import load_settings

    settings = load_settings()
    return dataclasses.replace(settings, database_url=database_url) if database_url else settings


def _fail(exc: KioskError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@click.group(name="central")
@click.option(
    "--database-url",
    envvar="CENTRAL_DATABASE_URL",
    default=None,
    help="sqlite:///path or postgresql+psycopg://user@host/db (default: SQLite in CENTRAL_DATA_DIR)",
)
@click.pass_context
def central(ctx: click.Context, database_url: str | None) -> None:
    """The central server that devices sync with."""
    require_server_packages()
    ctx.obj = {"database_url": database_url}


#: What the central server imports that a till's install leaves out (the `central` extra of pyproject.toml).
SERVER_PACKAGES = ("sqlalchemy", "alembic", "pygal")


def require_server_packages() -> None:
    import importlib.util

    from central.errors import RoleNotInstalled

    missing = [name for name in SERVER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise RoleNotInstalled(
            f"the central server is not installed here (missing: {', '.join(missing)}); this machine has the "
            "till's packages. On the central host: sudo ./install.sh --role central"
        )


@central.command()
@click.option("--host", default=None, help="address to listen on (default from settings: 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port to listen on (default from settings: 8700)")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the central API with waitress until stopped."""
    from waitress import serve as waitress_serve

    from central.app import create_app

    try:
        settings = _settings(ctx.obj["database_url"])
        app = create_app(settings=settings)
    except KioskError as exc:
        _fail(exc)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    waitress_serve(
        app, host=host or settings.host, port=port or settings.port, threads=settings.threads, ident="kiosk-central"
    )


@central.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the database schema to the latest revision."""
    from central.db import make_engine
    from central.db import migrate as run_migrations

    run_migrations(make_engine(_settings(ctx.obj["database_url"]).resolved_database_url))
    click.echo("schema up to date")


@central.command("add-device")
@click.argument("device_id")
@click.option("--name", default="", help="a name people recognise (e.g. 'Lyon till 2')")
@click.pass_context
def add_device(ctx: click.Context, device_id: str, name: str) -> None:
    """Register a device and print its one-time enrolment code."""
    from central.db import make_engine
    from central.db import migrate as run_migrations
    from central.devices import create_enrolment_code
    from central.transactions import in_transaction

    settings = _settings(ctx.obj["database_url"])
    engine = make_engine(settings.resolved_database_url)
    run_migrations(engine)
    try:
        code = in_transaction(
            engine, lambda c: create_enrolment_code(c, device_id, name, settings.enrolment_code_ttl_s)
        )
    except KioskError as exc:
        _fail(exc)
    click.echo(code)


@central.command("revoke-device")
@click.argument("device_id")
@click.pass_context
def revoke_device(ctx: click.Context, device_id: str) -> None:
    """Revoke a device's token: its next call is refused."""
    from central.db import make_engine
    from central.devices import revoke
    from central.transactions import in_transaction

    try:
        in_transaction(
            make_engine(_settings(ctx.obj["database_url"]).resolved_database_url), lambda c: revoke(c, device_id)
        )
    except KioskError as exc:
        _fail(exc)
    click.echo(f"{device_id} revoked")


@central.command()
@click.option("--customers", type=click.IntRange(1, 1_000_000), default=50)
@click.pass_context
def seed(ctx: click.Context, customers: int) -> None:
    """Add invented customers with cards and points (demo data)."""
    from central.db import make_engine
    from central.db import migrate as run_migrations
    from central.demo import seed as seed_customers

    engine = make_engine(_settings(ctx.obj["database_url"]).resolved_database_url)
    run_migrations(engine)
    click.echo(f"{len(seed_customers(engine, customers))} demo customers present")


@central.command("vouchers-check")
@click.option("--release", is_flag=True, help="also put back in the pool the codes whose redemption never came")
@click.pass_context
def vouchers_check(ctx: click.Context, release: bool) -> None:
    """List every mismatch between partner codes issued and redemptions recorded; exit 1 when there is one."""
    from central.db import make_engine
    from central.transactions import in_transaction
    from central.voucher_reconcile import reconcile, release_unconfirmed

    settings = _settings(ctx.obj["database_url"])
    engine = make_engine(settings.resolved_database_url)
    if release:
        released = in_transaction(
            engine, lambda c: release_unconfirmed(c, release_after_s=settings.voucher_release_s, actor="cli")
        )
        click.echo(f"{len(released)} code(s) released back to their pool")
    found = in_transaction(engine, lambda c: reconcile(c, grace_s=settings.voucher_release_s))
    for m in found:
        click.echo(
            f"{m.kind}\tpartner={m.partner or '-'}\tcode={m.code or '-'}\t"
            f"redemption={m.redemption_event_id}\tdevice={m.device_id or '-'}"
        )
    click.echo(f"{len(found)} mismatch(es) between codes issued and redemptions recorded")
    sys.exit(1 if found else 0)
