"""`kiosk test-printer`: print a test page through the service's queue, or on the printer opened here."""

from __future__ import annotations

import click

from device.config import Config
from hardware.errors import PaperOut, PrinterError, PrinterOffline

#: What to do when the test page did not print, by the printer's state.
FIXES = {
    "paper_out": "load a new paper roll and close the cover",
    "cover_open": "close the printer cover",
    "offline": "check the printer is on and its cable is plugged in, then run kiosk doctor",
    "absent": "check the printer is on and its cable is plugged in, then run kiosk doctor",
    "error": "switch the printer off and on, then run kiosk doctor",
}


def print_test_page(config: Config, wait_s: float = 30.0) -> str:
    """Print the test page and say so; PrinterError naming the fix when it did not print. Returns the job id."""
    from kiosk.status_report import service_running

    if service_running(config):
        from kiosk.local_api import ServiceClient

        answer = ServiceClient(config).test_print(wait_s)
        job_id, state, reason = answer["job_id"], answer["state"], answer.get("reason", "")
        printer = (answer.get("devices") or {}).get("printer", "unknown")
        how = "through the running service"
    else:
        from device.device_tests import devices_opened, settled_states, test_page, wait_for_job

        with devices_opened(config, lambda event: None) as devices:
            settled_states(devices)
            job_id = devices.print(test_page(config))
            state, reason = wait_for_job(devices, job_id, wait_s)
            printer = devices.status()["printer"].state
        how = "on the printer opened here (the service is stopped)"
    if state == "printed":
        click.echo(f"test page printed {how} (job {job_id}); printer: {printer}")
        return job_id
    fix = FIXES.get(printer, "run kiosk doctor")
    said = f"the test page did not print (job {state}{': ' + reason if reason else ''}; printer: {printer}): {fix}"
    if printer == "paper_out" or printer == "cover_open":
        raise PaperOut(said)
    if printer in ("offline", "absent"):
        raise PrinterOffline(said)
    raise PrinterError(said)
