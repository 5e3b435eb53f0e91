"""Card batches: numbers with activation codes per sales channel, CSV for production, activation, report."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from central.card_batches import CODE_ALPHABET, is_card_number, luhn_digit
from central.schema import batch_cards
from loyalty.domain.events import CardLinked, CustomerRegistered


def _make(client, admin, channel="company", size=5, partner=None, expect=201):
    body = {"channel": channel, "size": size} | ({"partner": partner} if partner else {})
    response = client.post("/api/admin/card-batches", json=body, headers=admin)
    assert response.status_code == expect, response.json
    return response.json


def _cards(client, admin, batch_id):
    response = client.get(f"/api/admin/card-batches/{batch_id}/cards.csv", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def _activate(client, number, code):
    return client.post(
        "/api/cards/activate",
        json={"card_number": number, "activation_code": code, "first_name": "Zoé", "consent": True},
    )


def test_batch_exports_unique_checked_numbers_with_codes(client, admin):
    batch = _make(client, admin, "partner", 40, partner="works-council-acme")
    rows = _cards(client, admin, batch["batch_id"])
    assert len(rows) == 40 and len({r["card_number"] for r in rows}) == 40
    assert all(is_card_number(r["card_number"]) for r in rows)
    assert all(len(r["activation_code"]) == 8 and set(r["activation_code"]) <= set(CODE_ALPHABET) for r in rows)
    assert {(r["channel"], r["partner"], r["batch_id"]) for r in rows} == {
        ("partner", "works-council-acme", batch["batch_id"])
    }
    listed = client.get("/api/admin/card-batches", headers=admin).json["batches"]
    assert [b["batch_id"] for b in listed] == [batch["batch_id"]]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"channel": "shop", "size": 3}, "channel must be one of"),
        ({"channel": "partner", "size": 3}, "needs partner"),
        ({"channel": "online", "size": 3, "partner": "x"}, "only for channel"),
        ({"channel": "online", "size": 0}, "size must be"),
        ({"channel": "online", "size": "5"}, "size must be"),
    ],
)
def test_bad_batch_requests_make_nothing(client, admin, body, message):
    response = client.post("/api/admin/card-batches", json=body, headers=admin)
    assert response.status_code == 400 and message in response.json["message"]
    assert client.get("/api/admin/card-batches", headers=admin).json["batches"] == []


def test_batches_need_the_admin_token(client):
    assert client.post("/api/admin/card-batches", json={"channel": "online", "size": 1}).status_code == 401
    assert client.get("/api/admin/card-batches/report").status_code == 401


def test_online_activation_with_the_printed_code(client, admin):
    row = _cards(client, admin, _make(client, admin, "online", 2)["batch_id"])[0]
    first = _activate(client, row["card_number"], row["activation_code"].lower()).json
    assert first == {
        "card_number": row["card_number"],
        "activated": True,
        "channel": "online",
        "customer_id": first["customer_id"],
        "created": True,
    }
    again = _activate(client, row["card_number"], row["activation_code"])  # again: no harm, no second customer
    assert again.status_code == 200 and (again.json["customer_id"], again.json["created"]) == (
        first["customer_id"],
        False,
    )
    origin = client.get(f"/api/admin/card-batches/cards/{row['card_number']}", headers=admin).json
    assert (origin["channel"], origin["activated_via"]) == ("online", "online")


def test_wrong_codes_lock_online_activation(client, admin):
    row = _cards(client, admin, _make(client, admin, "online", 1)["batch_id"])[0]
    wrong = "AAAAAAAA" if row["activation_code"] != "AAAAAAAA" else "BBBBBBBB"
    for left in (4, 3, 2, 1, 0):
        response = _activate(client, row["card_number"], wrong)
        assert response.status_code == 409 and f"({left} tries left)" in response.json["message"]
    locked = _activate(client, row["card_number"], row["activation_code"])
    assert locked.status_code == 409 and "activate it at a till" in locked.json["message"]


def test_activation_refuses_unknown_and_mistyped_numbers(client, admin):
    row = _cards(client, admin, _make(client, admin, "company", 1)["batch_id"])[0]
    number = row["card_number"]
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert _activate(client, typo, row["activation_code"]).status_code == 400
    body = "1234567890" + "12"
    unknown = body + luhn_digit(body)
    assert _activate(client, unknown, "ABCDEFGH").status_code == 404
    assert _activate(client, number, "").status_code == 400


def test_report_counts_cards_per_channel_and_first_use(client, admin, make_device):
    company = _cards(client, admin, _make(client, admin, "company", 3)["batch_id"])
    online = _cards(client, admin, _make(client, admin, "online", 2)["batch_id"])
    _make(client, admin, "partner", 4, partner="holidays-co")
    _activate(client, online[0]["card_number"], online[0]["activation_code"])
    till = make_device()
    till.push(
        [
            CustomerRegistered(device_id="till-1", seq=till.next_seq(), customer_id="c1", first_name="Bo"),
            CardLinked(device_id="till-1", seq=till.next_seq(), customer_id="c1", card_uid=company[1]["card_number"]),
        ]
    )
    report = client.get("/api/admin/card-batches/report", headers=admin).json["channels"]
    assert report == [
        {
            "channel": "company",
            "partner": None,
            "cards": 3,
            "activated_online": 0,
            "activated_first_use": 1,
            "not_activated": 2,
        },
        {
            "channel": "partner",
            "partner": "holidays-co",
            "cards": 4,
            "activated_online": 0,
            "activated_first_use": 0,
            "not_activated": 4,
        },
        {
            "channel": "online",
            "partner": None,
            "cards": 2,
            "activated_online": 1,
            "activated_first_use": 0,
            "not_activated": 1,
        },
    ]
    assert client.get("/api/admin/card-batches/cards/04FFFF", headers=admin).status_code == 404
    assert client.get("/api/admin/card-batches/nope/cards.csv", headers=admin).status_code == 404


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_luhn_catches_every_single_digit_typo(body, position, change):
    number = body + luhn_digit(body)
    typo = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1 :]
    assert is_card_number(number) and not is_card_number(typo)


def _import(client, admin, batch_id, text, expect=200):
    response = client.post(
        f"/api/admin/card-batches/{batch_id}/chip-uids",
        data=text.encode(),
        headers=admin | {"Content-Type": "text/csv"},
    )
    assert response.status_code == expect, response.json
    return response.json


def _filled(rows, chips):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row, chip in zip(rows, chips, strict=True):
        writer.writerow(row | {"chip_uid": chip})
    return out.getvalue()


def test_chip_uids_from_production_make_a_tap_the_first_use_of_the_batch_card(client, admin, make_device):
    rows = _cards(client, admin, _make(client, admin, "partner", 3, partner="works-acme")["batch_id"])
    batch_id = rows[0]["batch_id"]
    assert [r["chip_uid"] for r in rows] == ["", "", ""]
    answer = _import(client, admin, batch_id, _filled(rows, ["04a1b2c3d4e5f6", "DE:AD:BE:EF", ""]))
    assert answer == {"batch_id": batch_id, "imported": 2}
    assert [r["chip_uid"] for r in _cards(client, admin, batch_id)] == ["04A1B2C3D4E5F6", "DEADBEEF", ""]
    assert _import(client, admin, batch_id, _filled(rows, ["04a1b2c3d4e5f6", "DEADBEEF", ""]))["imported"] == 0
    till = make_device()
    till.push(
        [
            CustomerRegistered(device_id="till-1", seq=till.next_seq(), customer_id="c1", first_name="Bo"),
            CardLinked(device_id="till-1", seq=till.next_seq(), customer_id="c1", card_uid="DEADBEEF"),
        ]
    )
    origin = client.get("/api/admin/card-batches/cards/DEADBEEF", headers=admin).json
    assert (origin["card_uid"], origin["channel"], origin["partner"]) == (
        rows[1]["card_number"],
        "partner",
        "works-acme",
    )
    assert origin["activated_via"] == "first_use"
    report = client.get("/api/admin/card-batches/report", headers=admin).json["channels"]
    assert report[0]["activated_first_use"] == 1 and report[0]["not_activated"] == 2


def test_a_bad_chip_import_changes_nothing(client, admin):
    rows = _cards(client, admin, _make(client, admin, "company", 2)["batch_id"])
    other = _cards(client, admin, _make(client, admin, "online", 1)["batch_id"])
    batch_id = rows[0]["batch_id"]
    _import(client, admin, other[0]["batch_id"], _filled(other, ["CAFEF00D"]))
    for text, status, message in [
        ("number,uid\n1,2\n", 400, "columns card_number and chip_uid"),
        (_filled(rows, ["04A1B2C3", "XYZ"]), 400, "8, 14 or 20 hex digits"),
        (_filled(rows, ["04A1B2C3", "04A1B2C3"]), 400, "given to two cards"),
        (_filled(rows[:1] + other, ["04A1B2C3", "11223344"]), 400, "not in this batch"),
        (_filled(rows, ["04A1B2C3", "CAFEF00D"]), 409, "already belong to another card"),
    ]:
        answer = _import(client, admin, batch_id, text, expect=status)
        assert message in answer["message"], answer
    assert [r["chip_uid"] for r in _cards(client, admin, batch_id)] == ["", ""]
    assert _import(client, admin, "nope", "card_number,chip_uid\n", expect=404)


def test_every_device_pulls_a_filter_of_the_issued_cards_rebuilt_when_batches_change(engine, make_device):
    """A device tells a chain card from a foreign one offline: the filter holds every number, then every chip."""
    import json as json_module

    from central.card_batches import create_batch, import_chip_uids
    from central.transactions import in_transaction
    from loyalty.domain.card_filter import CardFilter

    device = make_device("till-f", "store-f")

    def pulled_filter(cursor: int = 0) -> tuple[CardFilter | None, int]:
        page = device.pull(cursor, 5000)
        found = [s["value_json"] for s in page["settings"] if s["key"] == "issued_cards"]
        return (CardFilter.from_json(found[-1]) if found else None), page["cursor"]

    batch = in_transaction(engine, lambda c: create_batch(c, "company", None, 50))
    made, cursor = pulled_filter()
    with engine.connect() as c:
        numbers = [
            row.card_uid
            for row in c.execute(select(batch_cards.c.card_uid).where(batch_cards.c.batch_id == batch.batch_id))
        ]
    assert made is not None and made.count == 50 and all(n in made for n in numbers)
    chips = {n: f"04{i:012X}" for i, n in enumerate(numbers)}
    csv_text = "card_number,chip_uid\n" + "".join(f"{n},{chip}\n" for n, chip in chips.items())
    in_transaction(engine, lambda c: import_chip_uids(c, batch.batch_id, csv_text))
    again, _ = pulled_filter(cursor)
    assert again is not None and again.count == 100 and all(chip in again for chip in chips.values())
    assert json_module.loads(again.to_json())["fp_rate"] == 0.01
