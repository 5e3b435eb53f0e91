"""`kiosk sync ...`: enrol this device with central, show the sync state."""

from __future__ import annotations

import sys

import click

from device.config import load_config
from loyalty.errors import KioskError


@click.group(name="sync", invoke_without_command=True)
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Synchronise with the central server now (with a progress bar), or a subcommand below.

    With the service running, it asks the service's sync worker for a round now and follows it; with the
    service stopped, it runs the round itself.
    """
    if ctx.invoked_subcommand is None:
        from kiosk.sync_now import sync_now_command

        sync_now_command()


@sync.command()
@click.argument("code")
def enrol(code: str) -> None:
    """Enrol this device with the one-time CODE from the back office; the token is kept on disk."""
    from device.sync.setup import enrol as enrol_device
    from kiosk.cli import exit_code_for
    from loyalty.enrolment_code import check_code
    from loyalty.errors import ConfigError

    try:
        config = load_config()
        if not config.central.url:
            raise ConfigError("central.url is empty in the configuration: there is no central to enrol with")
        enrol_device(config, check_code(code))
    except KioskError as exc:  # the documented code per kind, also when this group is run on its own
        click.echo(f"error: {exc}", err=True)
        sys.exit(exit_code_for(exc))
    click.echo(f"device {config.device.id} enrolled with {config.central.url}")


@sync.command()
def status() -> None:
    """Show the last sync state: when it last succeeded, how many events wait, the last error."""
    from device.sync.setup import status_file, token_file

    try:
        config = load_config()
    except KioskError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if not config.central.url:
        click.echo("no central server configured: this device works alone")
        return
    click.echo(f"central:        {config.central.url}")
    click.echo(f"enrolled:       {'yes' if token_file(config).read() else 'no (kiosk sync enrol CODE)'}")
    state = status_file(config).read()
    if state is None:
        click.echo("state:          no sync has run yet")
        return
    click.echo(f"state:          {state.state}")
    click.echo(f"pending events: {state.pending}")
    click.echo(f"last success:   {state.last_success or 'never'}")
    if state.last_error:
        click.echo(
            f"last error:     {state.last_error} (attempt {state.consecutive_failures}, "
            f"next in {state.next_attempt_in_s:.0f} s)"
        )
    if state.clock_skew_s is not None and abs(state.clock_skew_s) > 60:
        click.echo(f"clock:          this device is {state.clock_skew_s:+.0f} s off central (sync is unaffected)")
