"""CSV exports as French (or English) spreadsheet software opens them: `;` between cells, a UTF-8 byte order
mark, headers in the page's language and decimal commas in French.

The export functions write one machine-friendly CSV (commas, ids as headers, decimal points); this module
turns it into the spreadsheet variant at the very end, so each export keeps one writer. `?variant=data`
downloads the machine-friendly file unchanged, for scripts.
"""

from __future__ import annotations

import csv
import io
import re

from flask import Response, request
from flask_babel import get_locale, lazy_gettext

from central import csv_cells

BOM = "\ufeff"
_DECIMAL = re.compile(r"^-?\d+\.\d+$")

#: Column id -> its heading on the page.
HEADINGS = {
    "period_start": lazy_gettext("Period start"),
    "period_end": lazy_gettext("Period end"),
    "points_earned": lazy_gettext("Points earned"),
    "points_reversed": lazy_gettext("Points taken back by refunds"),
    "points_redeemed": lazy_gettext("Points redeemed"),
    "points_expired": lazy_gettext("Points expired"),
    "outstanding_points": lazy_gettext("Outstanding points"),
    "earn_operations": lazy_gettext("Earn operations"),
    "customers_registered": lazy_gettext("Customers registered"),
    "active_customers": lazy_gettext("Active customers"),
    "cashier_id": lazy_gettext("Cashier"),
    "device_id": lazy_gettext("Store (device)"),
    "partner": lazy_gettext("Partner"),
    "kind": lazy_gettext("Kind"),
    "redemptions": lazy_gettext("Redemptions"),
    "quantity": lazy_gettext("Quantity"),
    "points": lazy_gettext("Points"),
    "vouchers_issued": lazy_gettext("Vouchers issued"),
    "face_value_cents": lazy_gettext("Face value (cents)"),
    "channel": lazy_gettext("Sales channel"),
    "cards_made": lazy_gettext("Cards made"),
    "cards_activated": lazy_gettext("Cards activated"),
    "operations": lazy_gettext("Operations"),
    "earns": lazy_gettext("Earn operations"),
    "unknown_cards": lazy_gettext("Unknown cards"),
    "captured": lazy_gettext("Customers captured"),
    "op_ms_total": lazy_gettext("Total operation time (ms)"),
    "timed_ops": lazy_gettext("Timed operations"),
    "mean_op_s": lazy_gettext("Time per operation (s)"),
    "capture_rate_pct": lazy_gettext("Capture rate (%)"),
    "drill": lazy_gettext("Drill"),
    "best_score": lazy_gettext("Best score"),
    "best_seconds": lazy_gettext("Best time (s)"),
    "first_done_at": lazy_gettext("First done at"),
}


def for_spreadsheet(machine_csv: str, language: str) -> str:
    """The spreadsheet variant of a machine-friendly CSV text, for a page in `language`."""
    rows = list(csv.reader(io.StringIO(machine_csv)))
    out = io.StringIO()
    writer = csv_cells.writer(out, delimiter=";", lineterminator="\r\n")
    for number, row in enumerate(rows):
        if number == 0:
            row = [str(HEADINGS.get(cell, cell)) for cell in row]
        elif language == "fr":
            row = [cell.replace(".", ",") if _DECIMAL.match(cell) else cell for cell in row]
        writer.writerow(row)
    return BOM + out.getvalue()


def csv_download(machine_csv: str, filename: str) -> Response:
    """The export as the page's reader asked: the spreadsheet variant, or `?variant=data` for scripts."""
    if request.args.get("variant") == "data":
        return Response(
            machine_csv, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
    language = "en" if str(get_locale()) == "en" else "fr"
    return Response(
        for_spreadsheet(machine_csv, language).encode("utf-8"),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
