"""Back-office pages for card batches and pools: head office only, French and English, every change audited
with the person who made it."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from central.backoffice import audit
from central.ingest import ingest
from central.schema import batch_cards
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered
from tests.backoffice.conftest import HEAD_OFFICE

CHIP = "04AB12CD34EF56"


def _customers(engine, *people):
    events = []
    for cid, first, last, card in people:
        events += [
            CustomerRegistered(device_id="store-a", customer_id=cid, first_name=first, last_name=last),
            CardLinked(device_id="store-a", customer_id=cid, card_uid=card),
        ]
    in_transaction(engine, lambda c: ingest(c, events, None))


def _actions(engine):
    return [(e.actor, e.action) for e in in_transaction(engine, lambda c: audit.recent(c, 50))]


def _make_batch(office, channel="partner", partner="ce-acme", size="3"):
    made = office.post("/backoffice/card-batches/", {"channel": channel, "partner": partner, "size": size})
    assert made.status_code == 302, made.get_data(as_text=True)
    page = office.get(made.location).get_data(as_text=True)
    return re.findall(r'data-batch="([^"]+)"', page)[0], page


def test_head_office_makes_a_batch_exports_it_and_imports_the_chip_file(office, engine):
    batch_id, page = _make_batch(office)
    assert "Batch of 3 cards made." in page and "ce-acme" in page
    exported = office.get(f"/backoffice/card-batches/{batch_id}/cards.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 3 and rows[0]["activation_code"]
    produced = f"card_number,chip_uid\n{rows[0]['card_number']},{CHIP}\n".encode()
    imported = office.post(
        f"/backoffice/card-batches/{batch_id}/chips",
        {"file": (io.BytesIO(produced), "production.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    page = office.get(imported.location).get_data(as_text=True)
    assert "1 chip UIDs recorded." in page and re.search(r'class="chips">1<', page)
    assert _actions(engine)[:3] == [
        ("anna", "card_batch_chips"),
        ("anna", "card_batch_export"),
        ("anna", "card_batch_create"),
    ]


def test_a_semicolon_file_or_a_spreadsheet_is_refused_clearly_in_the_pages_language(app, office, engine):
    batch_id, _ = _make_batch(office)
    number = in_transaction(
        engine,
        lambda c: c.execute(select(batch_cards.c.card_uid).where(batch_cards.c.batch_id == batch_id)).scalars().first(),
    )
    semicolons = f"card_number;chip_uid\n{number};{CHIP}\n".encode()
    spreadsheet = b"PK\x03\x04" + b"\x00" * 40
    for lang, semicolon_text, spreadsheet_text in (
        ("en", "separated by semicolons", "This is a spreadsheet, not a CSV file"),
        ("fr", "séparé par des points-virgules", "C’est un classeur, pas un fichier CSV"),
    ):
        office.get(f"/backoffice/card-batches/?lang={lang}")
        for raw, text in ((semicolons, semicolon_text), (spreadsheet, spreadsheet_text)):
            refused = office.post(
                f"/backoffice/card-batches/{batch_id}/chips",
                {"file": (io.BytesIO(raw), "production.xlsx")},
                content_type="multipart/form-data",
            )
            assert refused.status_code == 400 and text in refused.get_data(as_text=True)
    api = app.test_client().post(
        f"/api/admin/card-batches/{batch_id}/chip-uids",
        data=semicolons,
        content_type="text/csv",
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert api.status_code == 400 and "semicolons" in api.json["message"]
    assert (
        in_transaction(
            engine, lambda c: c.execute(select(batch_cards.c.chip_uid).where(batch_cards.c.card_uid == number)).scalar()
        )
        is None
    )


def test_a_locked_card_is_unlocked_and_the_batch_shows_activation_progress(office, app, engine):
    batch_id, _ = _make_batch(office, "online", "")
    number = in_transaction(
        engine,
        lambda c: c.execute(select(batch_cards.c.card_uid).where(batch_cards.c.batch_id == batch_id)).scalars().first(),
    )
    client = app.test_client()
    for _ in range(5):
        client.post(
            "/api/cards/activate",
            json={"card_number": number, "activation_code": "ZZZZZZZZ", "first_name": "Zoé", "consent": True},
        )
    page = office.get("/backoffice/card-batches/").get_data(as_text=True)
    assert re.search(r'class="locked">1<', page) and re.search(r'class="waiting">3<', page)
    spaced = f"{number[0]} {number[1:7]} {number[7:]}"
    unlocked = office.post("/backoffice/card-batches/unlock", {"card_number": spaced})
    assert unlocked.status_code == 302
    code = in_transaction(
        engine,
        lambda c: c.execute(select(batch_cards.c.activation_code).where(batch_cards.c.card_uid == number)).scalar(),
    )
    assert (
        client.post(
            "/api/cards/activate",
            json={"card_number": number, "activation_code": code, "first_name": "Zoé", "consent": True},
        ).status_code
        == 200
    )
    page = office.get("/backoffice/card-batches/").get_data(as_text=True)
    assert re.search(r'class="online">1<', page) and re.search(r'class="locked">0<', page)
    assert ("anna", "card_unlock") in _actions(engine)


def test_head_office_creates_a_pool_adds_members_by_card_or_name_moves_and_closes(office, engine):
    _customers(
        engine,
        ("c-ana", "Ana", "Lopez", "2000000000008"),
        ("c-ben", "Ben", "Marchal", CHIP),
        ("c-bea", "Béa", "Marchal", "04CAFE01"),
    )
    created = office.post(
        "/backoffice/pools/", {"pool_id": "famille-lopez", "member": "2 000000 000008", "share_pct": "50"}
    )
    assert created.status_code == 302 and created.location.endswith("/backoffice/pools/famille-lopez")
    ambiguous = office.post("/backoffice/pools/famille-lopez/members", {"member": "Marchal", "share_pct": "20"})
    assert ambiguous.status_code == 400 and "use their card number" in ambiguous.get_data(as_text=True)
    added = office.post("/backoffice/pools/famille-lopez/members", {"member": "ben marchal", "share_pct": "20"})
    assert added.status_code == 302
    page = office.get("/backoffice/pools/famille-lopez").get_data(as_text=True)
    assert "Ben M." in page and "Ana L." in page and re.findall(r'class="share">(\d+)<', page) == ["50", "20"]
    office.post("/backoffice/pools/", {"pool_id": "ce-acme", "member": "04CAFE01", "share_pct": "10"})
    refused = office.post("/backoffice/pools/ce-acme/members", {"member": CHIP, "share_pct": "10"})
    assert refused.status_code == 400 and "move them from that pool" in refused.get_data(as_text=True)
    moved = office.post("/backoffice/pools/famille-lopez/members/c-ben/move", {"to_pool": "ce-acme", "share_pct": "15"})
    assert moved.status_code == 302
    listed = office.get("/backoffice/pools/").get_data(as_text=True)
    assert re.search(r'data-pool="ce-acme">.*?class="members">2<', listed, re.S)
    assert re.search(r'data-pool="famille-lopez">.*?class="members">1<', listed, re.S)
    office.post("/backoffice/pools/famille-lopez/close")
    page = office.get("/backoffice/pools/famille-lopez?lang=fr").get_data(as_text=True)
    assert "Aucun membre" in page and "a rejoint" in page and "est parti" in page
    actions = _actions(engine)
    assert {("anna", "pool_join"), ("anna", "pool_move"), ("anna", "pool_close")} <= set(actions)
    assert not any(actor == "admin" for actor, _ in actions)


def test_store_managers_do_not_reach_the_chain_wide_pages(manager):
    for path in ("/backoffice/card-batches/", "/backoffice/pools/"):
        assert manager.get(path).status_code == 403
    assert manager.post("/backoffice/pools/", {"pool_id": "p", "member": "x", "share_pct": "5"}).status_code == 403


def test_the_pages_are_offered_to_head_office_in_both_languages(office):
    for lang, batches, pools in (("en", "Card batches", "Pools"), ("fr", "Lots de cartes", "Cagnottes")):
        page = office.get(f"/backoffice/?lang={lang}").get_data(as_text=True)
        assert batches in page and pools in page
    assert HEAD_OFFICE[0] == "anna"
