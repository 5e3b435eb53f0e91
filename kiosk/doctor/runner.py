"""Runs every doctor check in a fixed order; a check that cannot read a file fails alone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from device.config import Config
from kiosk.doctor import central_checks, service_checks, system_checks
from kiosk.doctor.context import CheckResult, DoctorContext, Status

logger = logging.getLogger(__name__)

Check = Callable[[DoctorContext], CheckResult]

ALL_CHECKS: tuple[tuple[str, Check], ...] = (
    ("spi", system_checks.check_spi),
    ("serial_port", system_checks.check_serial_port),
    ("serial_console", system_checks.check_serial_console),
    ("groups", system_checks.check_groups),
    ("gpio_library", system_checks.check_gpio_library),
    ("clock", system_checks.check_clock),
    ("disk", system_checks.check_disk),
    ("private_files", system_checks.check_private_files),
    ("reader", service_checks.check_reader),
    ("printer", service_checks.check_printer),
    ("central", service_checks.check_central),
    ("store", service_checks.check_store),
)

#: On the head-office host (device.role = "central") there is no reader, printer, SPI or serial port.
CENTRAL_CHECKS: tuple[tuple[str, Check], ...] = (
    ("central_settings", central_checks.check_settings),
    ("central_data_dir", central_checks.check_data_dir),
    ("central_server", central_checks.check_server),
    ("clock", system_checks.check_clock),
    ("disk", system_checks.check_disk),
)


def run_doctor(ctx: DoctorContext) -> list[CheckResult]:
    """Every check's result for this machine's role, in order."""
    results = []
    for name, check in CENTRAL_CHECKS if ctx.config.device.role == "central" else ALL_CHECKS:
        try:
            results.append(check(ctx))
        except OSError as exc:
            logger.warning("doctor check %s could not run: %s", name, exc)
            results.append(
                CheckResult(name, Status.FAIL, f"this check could not run: {exc}", "run kiosk doctor with sudo")
            )
    return results


def run_checks(config: Config, root: Path = Path("/"), **providers: object) -> list[CheckResult]:
    """Check this Pi; `providers` are the optional DoctorContext fields (device_status, sync_state, ...)."""
    return run_doctor(DoctorContext(config=config, root=root, **providers))  # type: ignore[arg-type]
