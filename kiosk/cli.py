"""`kiosk`: the technician's command line (also `python -m kiosk`)."""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from device.config import config_path, load_config
from hardware.errors import HardwareError
from kiosk import __version__
from loyalty import errors as e

#: The one place where errors become exit codes (most specific first; 1 stays for unexpected failures).
EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (e.EnrolmentCodeRefused, 7),  # central answered: the code itself is refused, not the network
    (e.ConfigError, 3),
    (e.StoreError, 4),
    (HardwareError, 5),
    (e.SyncError, 6),
    (e.DomainError, 7),
    (e.ServiceBusy, 8),
    (e.ServiceNotAnswering, 9),
    (e.KioskError, 2),
)


#: Command groups imported on first use ("module:attribute"), with their line in `kiosk --help`.
LAZY_COMMANDS = {"central": "central.cli:central"}
LAZY_HELP = {"central": "The central server that devices sync with (role central only)."}

#: Commands that run for long and log what they do at INFO level (the others show only warnings).
LOGGING_COMMANDS = frozenset({"serve", "demo", "central"})


def exit_code_for(error: e.KioskError | HardwareError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(error, cls))


class KioskGroup(click.Group):
    """Turns a KioskError or a HardwareError from any command into a one-line message and its exit code.

    Command groups of other roles are imported only when used (`LAZY_COMMANDS`): a till's `kiosk status`
    must not load the central server, whose packages a till does not install.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            module, attribute = LAZY_COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, without importing the lazy groups for their one-line help."""
        rows = []
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        for name in names:
            command = self.commands.get(name)
            if command is None and name in LAZY_HELP:
                rows.append((name, LAZY_HELP[name]))
            elif command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (e.KioskError, HardwareError) as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            ctx.exit(exit_code_for(error))


@click.group(cls=KioskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kiosk")
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Loyalty-card till and self-service kiosk.

    The configuration is read from /etc/kiosk/kiosk.toml, or from the file named by KIOSK_CONFIG.
    Exit codes: 0 ok, 1 doctor found a fault (or an unexpected failure), 2 other error, 3 configuration,
    4 store or backup, 5 hardware, 6 sync, 7 refused by a business rule, 8 the service (or another kiosk
    command) holds the files or devices, 9 the running service does not answer.
    """
    # The service logs what it does; a technician's command shows only warnings unless -v.
    quiet = ctx.invoked_subcommand not in LOGGING_COMMANDS
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)  # one line per request


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help="Where the demo keeps its data (made on first run, kept after).",
)
@click.option(
    "--customers",
    default=200,
    show_default=True,
    type=click.IntRange(3, 200_000),
    help="How many fictional customers to create on first run.",
)
def demo(host: str, port: int, data_dir: Path, customers: int) -> None:
    """Run a complete demo with emulated hardware and fictional customers."""
    from central.cli import require_server_packages

    require_server_packages()  # the demo runs a central server beside the till
    from kiosk.demo import run_demo

    run_demo(data_dir=data_dir, host=host, port=port, customers=customers)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: web.host from the config).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default: web.port).")
def serve(host: str | None, port: int | None) -> None:
    """Run the kiosk service (what systemd starts)."""
    from kiosk.runner import run

    config = load_config()
    if config.device.role == "central":
        raise e.ConfigError(
            f'{config_path()}: device.role is "central": this host runs the central server '
            "(sudo systemctl start kiosk-central), not the till service"
        )
    run(config, host, port)


@main.group()
def config() -> None:
    """Check the configuration file."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def config_check(path: Path | None) -> None:
    """Check a configuration file (default: the one the service reads) and say what is wrong."""
    path = path or config_path()
    loaded = load_config(path)
    click.echo(f"{path}: OK (device {loaded.device.id}, role {loaded.device.role}, hardware {loaded.hardware.mode})")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (for scripts).")
def status(as_json: bool) -> None:
    """Show devices, sync, pending events, disk and version.

    With the service running the figures come from it (its local API on web.port); with it stopped, from
    a copy of the store's files (the real files are never changed) and the last sync status file.
    """
    import json

    from kiosk.status_report import format_status, gather

    config = load_config()
    if config.device.role == "central":
        from kiosk import central_host

        format_status, gather = central_host.format_status, lambda _config: central_host.gather()
    report = gather(config)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else format_status(report))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON (for scripts).")
def doctor(as_json: bool) -> None:
    """Check this Pi and name each fault with the command that fixes it.

    Looks at SPI, the serial port and console, the service user's groups, the GPIO library, the clock, the
    disk, the card reader, the printer and its paper, central and the local store. With the service running
    the devices, sync and store are asked of it; with it stopped, the devices are opened here. Exits with 1
    when a check failed (warnings alone exit 0).
    """
    from kiosk.doctor import exit_code, format_report, report_json, run_checks
    from kiosk.doctor.providers import from_files, from_service
    from kiosk.status_report import service_running

    try:
        config = load_config()
    except e.ConfigError as error:  # the first fault a technician meets: say it the way every check is said
        from kiosk.doctor import CheckResult, Status

        results = [
            CheckResult(
                "config",
                Status.FAIL,
                str(error),
                f"kiosk config check {config_path()}; a fresh one: sudo /opt/kiosk/install.sh --role "
                "till (or kiosk, central): an existing file is kept",
            )
        ]
        click.echo(report_json(results) if as_json else format_report(results))
        sys.exit(exit_code(results))
    if config.device.role == "central":
        results = run_checks(config)
    elif service_running(config):
        from kiosk.local_api import ServiceClient

        ServiceClient(config).answering()  # a frozen service: say so now (exit 9), not after every check
        results = run_checks(config, **from_service(config))
    else:
        with from_files(config) as providers:
            results = run_checks(config, **providers)
    click.echo(report_json(results) if as_json else format_report(results))
    sys.exit(exit_code(results))


@main.command("test-reader")
@click.option("--taps", type=click.IntRange(1), default=None, help="Stop after this many taps (default: never).")
@click.option(
    "--seconds",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Stop after this many seconds (default: never).",
)
def test_reader(taps: int | None, seconds: float | None) -> None:
    """Show card taps (and QR scans) live until Ctrl-C.

    With the service running, the taps are followed through its local API (the service keeps the reader);
    with it stopped, the reader is opened here.
    """
    from kiosk.reader_test import follow_taps

    follow_taps(load_config(), taps, seconds)


@main.command("test-printer")
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(1, 300),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the page to print.",
)
def test_printer(wait_s: float) -> None:
    """Print a test page and report the printer's state.

    With the service running, the page goes through its print queue (its local API); with it stopped, the
    printer is opened here. Fails (exit 5) when the page did not print, saying what to do.
    """
    from kiosk.printer_test import print_test_page

    print_test_page(load_config(), wait_s)


@main.command()
@click.argument("code")
@click.pass_context
def enroll(ctx: click.Context, code: str) -> None:
    """Enrol this device with central using the one-time CODE from the back office (also: kiosk sync enrol).

    Exit codes: 0 enrolled; 2 what was typed is not an enrolment code; 3 configuration (no central.url, or a
    bad file); 6 central cannot be reached; 7 central refused the code, saying why (not the code waiting for
    this device, already used, expired, or made for another device) and what to do.
    """
    from kiosk.status_report import service_running
    from kiosk.sync_cli import enrol

    ctx.invoke(enrol, code=code)
    if service_running(load_config()):
        click.echo("restart the service so it starts syncing: sudo systemctl restart kiosk")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a backup of the local store (outbox of unsent sales and cache) to FILE.

    Safe while the service runs: it is then taken by the service itself (its local API), otherwise the
    files are copied here while holding the data directory's lock. Either way the copy is consistent (a
    state that was on disk at one instant). The sync token is not included: after restoring onto a new SD
    card, enrol again with `kiosk enroll CODE`.
    """
    from device.service_lock import ServiceLock
    from kiosk.backup import backup_archive, read_backup, verify, write_file
    from kiosk.local_api import ServiceClient
    from kiosk.service import store_dir
    from kiosk.status_report import service_running

    config = load_config()
    if service_running(config):
        data = ServiceClient(config).backup()
    else:
        with ServiceLock(config.data_dir).acquire(holder="backup"):
            data = backup_archive(store_dir(config), config.device.id)
    write_file(file, data)
    made = read_backup(file)
    customers, pending = verify(made)
    click.echo(
        f"backup of device {made.device_id} written to {file} ({len(data)} bytes: "
        f"{customers} customers, {pending} events not yet sent)"
    )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even a backup of another device.")
def restore(file: Path, force: bool) -> None:
    """Replace the local store by the backup in FILE (the service must be stopped).

    Refuses a backup of another device (it would mix two devices' sales) unless --force; a forced restore
    keeps that device's id, so set device.id to it before starting the service. The files replaced are kept
    in the store directory under before-restore-<time>/.
    """
    from device.service_lock import STOP_SERVICE, ServiceLock
    from kiosk.backup import read_backup
    from kiosk.backup import restore as restore_store
    from kiosk.service import store_dir
    from kiosk.status_report import service_running

    config = load_config()
    if service_running(config):
        raise e.ServiceBusy(
            f"the kiosk service is running and owns the store: {STOP_SERVICE}, then restore, "
            "then: sudo systemctl start kiosk"
        )
    made = read_backup(file)
    for note in made.repaired:
        click.secho(note, fg="yellow")
    with ServiceLock(config.data_dir).acquire(holder="restore"):
        result = restore_store(made, store_dir(config), config.device.id, force=force)
    click.echo(
        f"restored the backup of device {result.device_id} made {made.created}: {result.customers} "
        f"customers, {result.pending} events not yet sent"
    )
    if result.merged:
        click.echo(f"kept {result.merged} newer unsent event(s) of the replaced store (merged by id)")
    if result.moved_aside:
        click.echo(f"the previous files are kept in {result.moved_aside}")
    if result.device_id != config.device.id:
        click.secho(
            f'this store belongs to device {result.device_id}: set device.id = "{result.device_id}" in '
            f"{config_path()} before starting the service",
            fg="yellow",
        )
    click.echo("start the service: sudo systemctl start kiosk")


@main.command()
@click.option(
    "--send", is_flag=True, help="Send the events found to central (safe to repeat: central keeps each once)."
)
@click.option("--unchecked", is_flag=True, help="With --send, also send events read from damaged lines.")
def salvage(send: bool, unchecked: bool) -> None:
    """Find this device's events in outbox files set aside by recovery or restore, and send them to central.

    Looks at outbox*.jsonl.corrupt-* and before-restore-*/ in the store directory; the files are only read.
    """
    from kiosk.salvage import SalvageReport, find, format_report
    from kiosk.salvage import send as send_found
    from kiosk.service import store_dir

    config = load_config()
    found = find(store_dir(config), config.device.id)
    report = send_found(config, found, unchecked) if send and found else SalvageReport(found)
    for line in format_report(report, store_dir(config)):
        click.echo(line)
    if found and not send:
        click.echo("send them to central: kiosk salvage --send")


@main.command()
@click.option("-f", "--follow", is_flag=True, help="Keep showing new lines as they come (Ctrl-C to stop).")
@click.option(
    "-n", "--lines", default=100, show_default=True, type=click.IntRange(1), help="How many of the last lines to show."
)
@click.option("--since", default=None, help='Only lines since this time, e.g. "1 hour ago" or "2024-05-01".')
def logs(follow: bool, lines: int, since: str | None) -> None:
    """Show the service's log (systemd's journal for the kiosk unit, or kiosk-central on the central host; else
    DATA_DIR/kiosk.log)."""
    import subprocess

    from kiosk.service_log import find_journalctl, journal_has_entries, log_file, show_file, where_logs_are

    try:
        config = load_config()
    except e.ConfigError:
        config = None  # without a configuration only the journal's side can be told
    unit = "kiosk-central" if config is not None and config.device.role == "central" else "kiosk"
    journalctl = find_journalctl()
    if journalctl is None or not journal_has_entries(journalctl, unit):
        if config is not None and log_file(config).is_file():
            click.echo(f"(from {log_file(config)}: the journal has no {unit} entries)", err=True)
            show_file(log_file(config), lines, follow)
            return
        raise e.KioskError(where_logs_are(config, journalctl))
    argv = [journalctl, "-u", unit, "--no-pager", "-o", "short-iso", "-n", str(lines)]
    if since:
        argv += ["--since", since]
    if follow:
        argv.append("-f")
    try:
        code = subprocess.call(argv)
    except KeyboardInterrupt:
        code = 0
    if code != 0:
        raise e.KioskError(
            f"journalctl failed (exit {code}): to read the kiosk journal, run `kiosk logs` with "
            "sudo or add your user to the systemd-journal group: sudo usermod -aG systemd-journal "
            "$USER"
        )


def _mount_subcommands() -> None:
    """Groups that live beside the code they drive (the central server's: see `LAZY_COMMANDS`)."""
    from kiosk.sync_cli import sync

    main.add_command(sync)


_mount_subcommands()
