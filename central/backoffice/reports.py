"""Programme figures: points earned, redeemed and outstanding, active customers, capture rate per cashier
and per store, rewards and vouchers by partner; each exportable as CSV.

The parts: what a report is (`report_model`); `build_report`, which sums the totals central keeps at each
push (`report_query`, over `central.report_totals`), so a page costs the same after a year of trade as
after a day; `compute_report`, the same arithmetic as a fold of the whole ledger with the domain's own
`Ledger` (`report_reference`): the reference the tests hold the totals to, and the benchmark's baseline;
and the CSV files (`report_csv`). A store is a device here (its events' `device_id`). The period filters on
the event's local day on the device; the outstanding liability is always what customers hold at the end of
the period. This module is where callers find them all.
"""

from __future__ import annotations

from central.backoffice.report_csv import REPORT_NAMES, report_csv
from central.backoffice.report_model import CaptureRow, PartnerRow, Period, PointsSummary, Report, check_stores
from central.backoffice.report_query import build_report
from central.backoffice.report_reference import compute_report, load_events
from central.report_totals import NO_CASHIER

__all__ = [
    "REPORT_NAMES",
    "NO_CASHIER",
    "CaptureRow",
    "PartnerRow",
    "Period",
    "PointsSummary",
    "Report",
    "build_report",
    "check_stores",
    "compute_report",
    "load_events",
    "report_csv",
]
