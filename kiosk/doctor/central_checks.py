"""Checks of the head-office host (role "central"): its settings, where it may write, and that it answers.

A central host has no card reader, printer, SPI or serial port: the device checks would only fail there.
"""

from __future__ import annotations

from pathlib import Path

from kiosk import central_host
from kiosk.doctor.context import CheckResult, DoctorContext, Status
from loyalty.errors import ConfigError

EDIT_ENV = f"sudoedit {central_host.ENV_FILE} && sudo systemctl restart kiosk-central"


def _settings(ctx: DoctorContext):
    return central_host.load_host_settings(ctx.root)


def check_settings(ctx: DoctorContext) -> CheckResult:
    """central.env must exist and hold settings central accepts."""
    try:
        settings = _settings(ctx)
    except ConfigError as exc:
        return CheckResult("central_settings", Status.FAIL, str(exc), EDIT_ENV)
    database = "PostgreSQL" if settings.database_url.startswith("postgresql") else "SQLite"
    return CheckResult(
        "central_settings",
        Status.OK,
        f"{central_host.env_file(ctx.root)}: {database}, listening on {settings.host}:{settings.port}",
    )


def check_data_dir(ctx: DoctorContext) -> CheckResult:
    """The unit may write only below its StateDirectory (ProtectSystem=strict): the data must be there."""
    try:
        settings = _settings(ctx)
    except ConfigError as exc:
        return CheckResult("central_data_dir", Status.FAIL, f"cannot tell: {exc}", EDIT_ENV)
    data_dir = Path(settings.data_dir)
    if data_dir != Path(central_host.STATE_DIR) and Path(central_host.STATE_DIR) not in data_dir.parents:
        return CheckResult(
            "central_data_dir",
            Status.FAIL,
            f"CENTRAL_DATA_DIR is {data_dir}, but kiosk-central.service may only write in {central_host.STATE_DIR}"
            " (the rest of the system is read-only to it): the server cannot start",
            f"set CENTRAL_DATA_DIR={central_host.STATE_DIR} in {central_host.ENV_FILE}: {EDIT_ENV}",
        )
    return CheckResult("central_data_dir", Status.OK, f"data in {data_dir}, writable by kiosk-central.service")


def check_server(ctx: DoctorContext) -> CheckResult:
    """The central server must answer its health check (which also asks the database)."""
    if not ctx.on_host:
        return CheckResult("central_server", Status.WARN, "not asked: this is not the running system")
    try:
        settings = _settings(ctx)
    except ConfigError as exc:
        return CheckResult("central_server", Status.FAIL, f"cannot tell: {exc}", EDIT_ENV)
    problem = central_host.answers(settings)
    if problem:
        return CheckResult(
            "central_server",
            Status.FAIL,
            f"the central server is not serving: {problem}",
            "sudo systemctl restart kiosk-central; then: journalctl -u kiosk-central -n 50",
        )
    return CheckResult("central_server", Status.OK, f"answers at {central_host.health_url(settings)}")
