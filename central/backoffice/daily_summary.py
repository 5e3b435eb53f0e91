"""A store's day in a few lines, laid out as plain text for the till's receipt printer (42 columns).

`summary_lines` gives (label, value) pairs, the shape of `Receipt.lines` in `hardware/printer/receipt.py`,
so a device can print them through its ordinary print worker; `summary_text` lays them out as text.
Labels use only characters the printer's CP858 code page holds (French accents included).
"""

from __future__ import annotations

from datetime import date

from central.backoffice.reports import Report
from central.capture_rate import capture_rate_pct
from central.cashier_figures import AdoptionRow

LABELS = {
    "fr": {
        "title": "Résumé du jour",
        "store": "Magasin",
        "day": "Jour",
        "earns": "Opérations de gain",
        "earned": "Points gagnés",
        "reversed": "Points repris",
        "redeemed": "Points utilisés",
        "expired": "Points expirés",
        "registered": "Clients inscrits",
        "active": "Clients actifs",
        "capture": "Taux de capture",
        "outstanding": "Points en cours (chaîne)",
        "cashier": "Caissier",
    },
    "en": {
        "title": "Daily summary",
        "store": "Store",
        "day": "Day",
        "earns": "Earn operations",
        "earned": "Points earned",
        "reversed": "Points taken back",
        "redeemed": "Points redeemed",
        "expired": "Points expired",
        "registered": "Customers registered",
        "active": "Active customers",
        "capture": "Capture rate",
        "outstanding": "Outstanding points (chain)",
        "cashier": "Cashier",
    },
}


def _rate(captured: int, unknown_card_sales: int, lang: str) -> str:
    """The capture rate (central/capture_rate.py) as the language writes it: 71,4 % or 71.4%."""
    pct = capture_rate_pct(captured, unknown_card_sales)
    if pct is None:
        return "-"
    return f"{pct:.1f}".replace(".", ",") + " %" if lang == "fr" else f"{pct:.1f}%"


def summary_lines(
    report: Report, store: str, day: date, lang: str = "fr", adoption: tuple[AdoptionRow, ...] = ()
) -> tuple[tuple[str, str], ...]:
    """The summary as (label, value) pairs: totals, then each cashier's capture rate.

    The capture rates come from the tills' own counts of unknown-card sales (`adoption`, per cashier for
    this store and day): the ledger knows registrations but not the unknown cards met."""
    words = LABELS[lang]
    s = report.summary
    lines = [
        (words["store"], store),
        (words["day"], day.isoformat()),
        (words["earns"], str(s.earn_operations)),
        (words["earned"], str(s.points_earned)),
        (words["reversed"], str(s.points_reversed)),
        (words["redeemed"], str(s.points_redeemed)),
        (words["expired"], str(s.points_expired)),
        (words["registered"], str(s.customers_registered)),
        (words["active"], str(s.active_customers)),
        (
            words["capture"],
            _rate(
                sum(min(r.captured, r.unknown_cards) for r in adoption), sum(r.unknown_cards for r in adoption), lang
            ),
        ),
    ]
    if s.outstanding_points is not None:  # the chain-wide liability, left out where the reader is not shown it
        lines.append((words["outstanding"], str(s.outstanding_points)))
    for row in adoption:
        lines.append((f"{words['cashier']} {row.key}", _rate(row.captured, row.unknown_cards, lang)))
    return tuple(lines)


def summary_text(lines: tuple[tuple[str, str], ...], title: str, columns: int = 42) -> str:
    """Label left, value right, each line at most `columns` wide; a rule under the title."""
    out = [title[:columns].center(columns).rstrip(), "-" * columns]
    for label, value in lines:
        value = value[:columns]
        room = columns - len(value) - 1
        out.append(f"{label[:room]:<{room}} {value}" if room > 0 else value)
    return "\n".join(out) + "\n"
