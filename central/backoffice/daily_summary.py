"""A store's day in a few lines, laid out as plain text for the till's receipt printer (42 columns).

`summary_lines` gives (label, value) pairs, the shape of `Receipt.lines` in `hardware/printer/receipt.py`,
so a device can print them through its ordinary print worker; `summary_text` lays them out as text.
Labels use only characters the printer's CP858 code page holds (French accents included).
"""

from __future__ import annotations

from datetime import date

from central.backoffice.reports import Report

LABELS = {
    "fr": {"title": "Résumé du jour", "store": "Magasin", "day": "Jour", "earns": "Opérations de gain",
           "earned": "Points gagnés", "reversed": "Points repris", "redeemed": "Points utilisés",
           "expired": "Points expirés",
           "registered": "Clients inscrits", "active": "Clients actifs", "capture": "Taux de capture",
           "outstanding": "Points en cours (chaîne)", "cashier": "Caissier"},
    "en": {"title": "Daily summary", "store": "Store", "day": "Day", "earns": "Earn operations",
           "earned": "Points earned", "reversed": "Points taken back", "redeemed": "Points redeemed",
           "expired": "Points expired",
           "registered": "Customers registered", "active": "Active customers", "capture": "Capture rate",
           "outstanding": "Outstanding points (chain)", "cashier": "Cashier"},
}


def _rate(registered: int, earns: int) -> str:
    if not earns:
        return "-"
    tenths = registered * 1000 // earns  # floor, in integers
    return f"{tenths // 10},{tenths % 10} %"


def summary_lines(report: Report, store: str, day: date, lang: str = "fr") -> tuple[tuple[str, str], ...]:
    """The summary as (label, value) pairs: totals, then each cashier's capture."""
    words = LABELS[lang]
    s = report.summary
    lines = [(words["store"], store), (words["day"], day.isoformat()), (words["earns"], str(s.earn_operations)),
             (words["earned"], str(s.points_earned)), (words["reversed"], str(s.points_reversed)),
             (words["redeemed"], str(s.points_redeemed)), (words["expired"], str(s.points_expired)),
             (words["registered"], str(s.customers_registered)),
             (words["active"], str(s.active_customers)),
             (words["capture"], _rate(s.customers_registered, s.earn_operations))]
    if s.outstanding_points is not None:  # the chain-wide liability, left out where the reader is not shown it
        lines.append((words["outstanding"], str(s.outstanding_points)))
    for row in report.by_cashier:
        lines.append((f"{words['cashier']} {row.key}", _rate(row.customers_registered, row.earn_operations)))
    return tuple(lines)


def summary_text(lines: tuple[tuple[str, str], ...], title: str, columns: int = 42) -> str:
    """Label left, value right, each line at most `columns` wide; a rule under the title."""
    out = [title[:columns].center(columns).rstrip(), "-" * columns]
    for label, value in lines:
        value = value[:columns]
        room = columns - len(value) - 1
        out.append(f"{label[:room]:<{room}} {value}" if room > 0 else value)
    return "\n".join(out) + "\n"
