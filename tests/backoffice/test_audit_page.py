"""The audit page shows each change's values as a manager reads them, in French and English: names of the
settings, euros, yes/no, codes in words, local times and an earning scale in words, never raw JSON."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from central.backoffice import audit, catalogue, rules, staff
from central.transactions import in_transaction

SHOWN = {
    "fr": [
        "Valeur faciale : 20,00 €",
        "Actif : oui",
        "Type : bon partenaire",
        "Magasins › store-a : obligatoire",
        "Vrac : 150 % du taux de base",
        "Niveaux : À partir de (points) : 100, Nom : argent",
    ],
    "en": [
        "Face value: 20.00 €",
        "Active: yes",
        "Kind: partner voucher",
        "Stores › store-a: required",
        "Bulk: 150 % of the base rate",
        "Tiers: From (points): 100, Name: argent",
    ],
}


def _values(page: str) -> list[str]:
    """The lines of the Before and After cells."""
    cells = re.findall(r'<td class="audit-value">(.*?)</td>', page, re.S)
    return [html.unescape(line) for cell in cells for line in re.findall(r"<div>(.*?)</div>", cell, re.S)]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_audit_values_read_as_settings_in_the_pages_language(office, engine, lang):
    def changes(connection):
        catalogue.save_reward(
            connection,
            "anna",
            "holiday-20",
            {
                "kind": "partner_voucher",
                "name": "Chèque vacances",
                "points_price": "900",
                "stock": "",
                "active": "on",
                "partner": "holiday",
                "face_value": "20,00",
            },
        )
        staff.set_capture_mode(connection, "anna", "stores", "store-a", "required")
        audit.record(
            connection,
            "schedule",
            "voucher_released",
            "holiday/ABC",
            {"redemption_event_id": "e-1", "device_id": "till-1", "issued_at": "2026-11-02T09:30:00+00:00"},
            None,
        )
        audit.record(
            connection,
            "anna",
            "tiers.set",
            "tiers",
            None,
            {"period_days": 365, "tiers": [{"name": "argent", "min_points": 100}]},
        )
        rules.save_version(
            connection,
            "anna",
            {
                "base_points": 1,
                "per_cents": 100,
                "categories": {"bulk": 150},
                "promotions": [],
                "category_names": {"bulk": {"fr": "Vrac", "en": "Bulk"}},
            },
            date.today(),
            date.today(),
        )

    in_transaction(engine, changes)
    lines = _values(office.get(f"/backoffice/audit?lang={lang}").get_data(as_text=True))
    for wanted in SHOWN[lang]:
        assert any(wanted in line for line in lines), (wanted, lines)
    assert not [line for line in lines if "{" in line or '"' in line or "_" in line]  # no JSON, no raw keys
    issued = [line for line in lines if re.search(r"\d\d/\d\d/2026 \d\d:\d\d$", line)]
    assert len(issued) == 1 and "T09:30" not in issued[0]  # the voucher's issue time in local time
