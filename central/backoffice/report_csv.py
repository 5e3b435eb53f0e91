"""A report's parts as CSV files, through the one CSV writer that neutralises formula cells (`central.csv_cells`)."""

from __future__ import annotations

import io
from dataclasses import astuple, fields

from flask_babel import gettext as _

from central import csv_cells
from central.backoffice.report_model import PartnerRow, PointsSummary, Report
from central.errors import BadRequest

REPORT_NAMES = ("summary", "cashiers", "stores", "partners")


def report_csv(report: Report, name: str) -> str:
    """One part of the report as CSV (a header line, then one line per row)."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    if name == "summary":
        writer.writerow(["period_start", "period_end", *[f.name for f in fields(PointsSummary)]])
        writer.writerow([report.period.start or "", report.period.end or "", *astuple(report.summary)])
    elif name in ("cashiers", "stores"):
        rows = report.by_cashier if name == "cashiers" else report.by_store
        writer.writerow(
            ["cashier_id" if name == "cashiers" else "device_id", "customers_registered", "earn_operations"]
        )
        for row in rows:
            writer.writerow([row.key, row.customers_registered, row.earn_operations])
    elif name == "partners":
        writer.writerow([f.name for f in fields(PartnerRow)])
        for row in report.by_partner:
            writer.writerow(astuple(row))
    else:
        raise BadRequest(_("no report named %(name)r; reports: %(names)s", name=name, names=", ".join(REPORT_NAMES)))
    return out.getvalue()
