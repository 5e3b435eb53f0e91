"""`kiosk`: the technician's command line (also `python -m kiosk`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kiosk import __version__
from kiosk import errors as e
from kiosk.config import config_path, load_config

#: The one place where errors become exit codes (most specific first; 1 stays for unexpected failures).
EXIT_CODES: tuple[tuple[type[e.KioskError], int], ...] = (
    (e.ConfigError, 3),
    (e.StoreError, 4),
    (e.HardwareError, 5),
    (e.SyncError, 6),
    (e.DomainError, 7),
    (e.KioskError, 2),
)


def exit_code_for(error: e.KioskError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(error, cls))


class KioskGroup(click.Group):
    """Turns a KioskError from any command into a one-line message and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except e.KioskError as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            ctx.exit(exit_code_for(error))


@click.group(cls=KioskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kiosk")
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages.")
def main(verbose: bool) -> None:
    """Loyalty-card till and self-service kiosk.

    The configuration is read from /etc/kiosk/kiosk.toml, or from the file named by KIOSK_CONFIG.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)  # one line per request


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-data"),
              show_default=True, help="Where the demo keeps its data (made on first run, kept after).")
@click.option("--customers", default=200, show_default=True, type=click.IntRange(3, 200_000),
              help="How many fictional customers to create on first run.")
def demo(host: str, port: int, data_dir: Path, customers: int) -> None:
    """Run a complete demo with emulated hardware and fictional customers."""
    from kiosk.demo import run_demo

    run_demo(data_dir=data_dir, host=host, port=port, customers=customers)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: web.host from the config).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default: web.port).")
def serve(host: str | None, port: int | None) -> None:
    """Run the kiosk service (what systemd starts)."""
    from kiosk.runner import run

    run(load_config(), host, port)


@main.group()
def config() -> None:
    """Check the configuration file."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def config_check(path: Path | None) -> None:
    """Check a configuration file (default: the one the service reads) and say what is wrong."""
    path = path or config_path()
    loaded = load_config(path)
    click.echo(f"{path}: OK (device {loaded.device.id}, role {loaded.device.role}, "
               f"hardware {loaded.hardware.mode})")


def _mount_subcommands() -> None:
    """Groups that live beside the code they drive."""
    from central.cli import central
    from kiosk.sync.cli import sync

    main.add_command(central)
    main.add_command(sync)


_mount_subcommands()
