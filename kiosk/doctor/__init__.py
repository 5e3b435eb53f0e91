"""`kiosk doctor`: names each fault a technician meets on a Pi and the command that fixes it.

The CLI calls `run_checks(config)` then `format_report(results)` (or `report_json(results)`) and exits with
`exit_code(results)`, which is non-zero when any check failed.
"""

from kiosk.doctor.context import CheckResult, DoctorContext, Status, SyncState
from kiosk.doctor.report import exit_code, format_report, report_json, results_to_records
from kiosk.doctor.runner import ALL_CHECKS, run_checks, run_doctor

__all__ = [
    "ALL_CHECKS",
    "CheckResult",
    "DoctorContext",
    "Status",
    "SyncState",
    "exit_code",
    "format_report",
    "report_json",
    "results_to_records",
    "run_checks",
    "run_doctor",
]
