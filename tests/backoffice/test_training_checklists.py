"""Cashiers' onboarding checklist in the back office, from the training progress the tills sent to central."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import PointsEarned


def _send(app, engine, device_id, rows):
    token = enrol_device(engine, device_id)
    answer = app.test_client().post(
        "/api/sync/training", json={"progress": rows}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.json


def _row(cashier_id, drill, score, seconds, first_done=None):
    return {
        "cashier_id": cashier_id,
        "drill": drill,
        "best_score": score,
        "best_seconds": seconds,
        "first_done_at": first_done,
    }


def _text(cell: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


def _table(page: str, table_id: str = "training") -> dict[str, dict[str, str]]:
    """Each row of the training table: cashier id -> {column: text} (drill cells by drill id)."""
    body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for cashier, cells in re.findall(r'<tr data-cashier="([^"]*)">(.*?)</tr>', body, re.S):
        texts = {
            "name": _text(cells.split("</td>", 1)[0]),
            "count": re.search(r'class="count">([^<]*)<', cells).group(1),
        }
        for drill, state, cell in re.findall(r'data-drill="(\w+)" class="(done|todo)">(.*?)</td>', cells, re.S):
            texts[drill] = state + ": " + _text(cell)
        devices = re.search(r'class="devices">([^<]*)<', cells)
        if devices:
            texts["devices"] = devices.group(1)
        rows[html.unescape(cashier)] = texts
    return rows


def _two_tills(app, engine, office):
    office.post("/backoffice/cashiers/", {"cashier_id": "c-1", "name": "Exemple", "role": "cashier", "pin": "1234"})
    office.post("/backoffice/cashiers/", {"cashier_id": "c-2", "name": "Autre", "role": "manager", "pin": "1234"})
    _send(
        app,
        engine,
        "till-a",
        [
            _row("c-1", "known_card", 80, 5.0, "2026-11-20T09:00:00+01:00"),
            _row("c-1", "refund", 100, 12.3, "2026-11-21T10:00:00+01:00"),
            _row("c-local", "redeem", 60, 30.0, None),
        ],
    )
    _send(
        app,
        engine,
        "till-b",
        [
            _row("c-1", "known_card", 100, 9.0, "2026-11-25T09:00:00+01:00"),
            _row("c-1", "paper_out", 100, 20.0, "2026-11-25T09:10:00+01:00"),
            _row("<b>x</b>", "redeem", 100, 4.0, None),
        ],
    )


def test_cashiers_page_shows_each_checklist_best_over_every_till(app, engine, office):
    _two_tills(app, engine, office)
    page = office.get("/backoffice/cashiers/?lang=en").get_data(as_text=True)
    assert "Training progress and onboarding checklist" in page
    table = _table(page)
    assert list(table) == ["<b>x</b>", "c-1", "c-2", "c-local"]
    c1 = table["c-1"]
    assert (c1["name"], c1["count"], c1["devices"]) == ("Exemple (c-1)", "3 / 5", "till-a, till-b")
    # the best over both tills (higher score first), dated by the first completion on any till
    assert c1["known_card"] == "done: ✔ 100/100 · 9.0 s till-b · since 20/11/2026"
    assert c1["refund"] == "done: ✔ 100/100 · 12.3 s till-a · since 21/11/2026"
    assert c1["paper_out"] == "done: ✔ 100/100 · 20.0 s till-b · since 25/11/2026"
    assert c1["new_customer"] == c1["redeem"] == "todo: ○ to do"
    assert (table["c-2"]["count"], table["c-2"]["devices"]) == ("0 / 5", "—")  # not trained yet
    assert table["c-local"]["redeem"] == "done: ✔ 60/100 · 30.0 s till-a"  # a till's own cashier, by id
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # text from a till is escaped
    french = _table(office.get("/backoffice/cashiers/?lang=fr").get_data(as_text=True))
    assert french["c-1"]["known_card"] == "done: ✔ 100/100 · 9,0 s till-b · depuis le 20/11/2026"
    assert french["c-2"]["refund"] == "todo: ○ à faire"
    assert "Progression de la formation et liste de mise en route" in office.get("/backoffice/cashiers/").get_data(
        as_text=True
    )


def test_training_csv_has_every_row(app, engine, office):
    _two_tills(app, engine, office)
    answer = office.get("/backoffice/cashiers/training.csv?variant=data")  # head office: every store
    assert answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 6
    assert rows[0] == {
        "device_id": "till-a",
        "cashier_id": "c-1",
        "drill": "known_card",
        "best_score": "80",
        "best_seconds": "5.0",
        "first_done_at": "2026-11-20T09:00:00+01:00",
    }
    assert {(r["device_id"], r["cashier_id"], r["drill"]) for r in rows} == {
        ("till-a", "c-1", "known_card"),
        ("till-a", "c-1", "refund"),
        ("till-a", "c-local", "redeem"),
        ("till-b", "c-1", "known_card"),
        ("till-b", "c-1", "paper_out"),
        ("till-b", "<b>x</b>", "redeem"),
    }


def test_device_page_shows_its_own_cashiers_progress(app, engine, office):
    _two_tills(app, engine, office)
    now = f"{date.today().isoformat()}T10:00:00+01:00"
    in_transaction(
        engine,
        lambda c: ingest(
            c,
            [
                PointsEarned(
                    device_id="till-b",
                    seq=1,
                    at=now,
                    cashier_id="c-2",
                    customer_id="k1",
                    receipt_ref="R1",
                    amount_cents=990,
                    points=9,
                ),
                PointsEarned(
                    device_id="till-b",
                    seq=2,
                    at=now,
                    customer_id="k1",
                    receipt_ref="R2",  # no cashier signed in
                    amount_cents=500,
                    points=5,
                ),
            ],
            None,
        ),
    )
    page = office.get("/backoffice/devices/till-b?lang=en").get_data(as_text=True)
    assert "Training progress of this device's cashiers" in html.unescape(page)
    table = _table(page)
    assert list(table) == ["<b>x</b>", "c-1", "c-2"]  # c-2 sells here and has not trained yet
    assert table["c-1"]["count"] == "2 / 5" and "devices" not in table["c-1"]
    assert table["c-1"]["known_card"] == "done: ✔ 100/100 · 9.0 s till-b · since 25/11/2026"  # this till's own
    assert table["c-2"]["count"] == "0 / 5"
    other = _table(office.get("/backoffice/devices/till-a?lang=fr").get_data(as_text=True))
    assert list(other) == ["c-1", "c-local"]
    assert other["c-1"]["known_card"] == "done: ✔ 80/100 · 5,0 s till-a · depuis le 20/11/2026"
