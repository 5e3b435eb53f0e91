"""Cards by sales channel: figures checked against card batches and a ledger built here."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from central.backoffice import channel_report
from central.card_batches import activate_online, create_batch
from central.ingest import ingest
from central.schema import batch_cards
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned


def _numbers(connection, batch_id: str) -> list[str]:
    return list(
        connection.execute(
            select(batch_cards.c.card_uid).where(batch_cards.c.batch_id == batch_id).order_by(batch_cards.c.card_uid)
        ).scalars()
    )


def _customer(customer_id: str, card_uid: str, earn_day: str | None) -> list:
    at = "2026-11-02T10:00:00+01:00"
    made = [
        CustomerRegistered(
            device_id="store-a", cashier_id="alice", at=at, customer_id=customer_id, first_name="Invented"
        ),
        CardLinked(device_id="store-a", cashier_id="alice", at=at, customer_id=customer_id, card_uid=card_uid),
    ]
    if earn_day:
        made.append(
            PointsEarned(
                device_id="store-a",
                cashier_id="alice",
                at=f"{earn_day}T11:00:00+01:00",
                customer_id=customer_id,
                receipt_ref=f"R-{customer_id}",
                amount_cents=1000,
                points=10,
            )
        )
    return made


@pytest.fixture
def channels(engine):
    """Company 5 cards (3 used at a till, 2 of them earning on 3 Nov), partner 'garden' 4 cards (1 activated
    online, 1 earning on 5 Nov), e-commerce 2 cards (none used)."""
    company = in_transaction(engine, lambda c: create_batch(c, "company", None, 5))
    garden = in_transaction(engine, lambda c: create_batch(c, "partner", "garden", 4))
    in_transaction(engine, lambda c: create_batch(c, "online", None, 2))
    company_cards = in_transaction(engine, lambda c: _numbers(c, company.batch_id))
    garden_cards = in_transaction(engine, lambda c: _numbers(c, garden.batch_id))
    code = in_transaction(
        engine,
        lambda c: c.execute(
            select(batch_cards.c.activation_code).where(batch_cards.c.card_uid == garden_cards[0])
        ).scalar_one(),
    )
    activate_online(engine, garden_cards[0], code)
    made = (
        _customer("c1", company_cards[0], "2026-11-03")
        + _customer("c2", company_cards[1], "2026-11-03")
        + _customer("c3", company_cards[2], None)
        + _customer("g1", garden_cards[1], "2026-11-05")
    )
    in_transaction(engine, lambda c: ingest(c, made, None))


def test_cards_made_activated_and_active_per_channel(engine, channels):
    rows = in_transaction(engine, lambda c: channel_report.channel_rows(c, frozenset({"c1", "c2", "g1", "nobody"})))
    assert [(r.channel, r.partner, r.cards_made, r.cards_activated, r.active_customers) for r in rows] == [
        ("company", "", 5, 3, 2),
        ("partner", "garden", 4, 2, 1),
        ("online", "", 2, 0, 0),
    ]


def test_the_page_and_csv_follow_the_period(office, channels):
    text = office.get("/backoffice/reports/channels.csv?start=2026-11-03&end=2026-11-03&variant=data").get_data(
        as_text=True
    )
    table = list(csv.DictReader(io.StringIO(text)))
    assert [
        (r["channel"], r["partner"], r["cards_made"], r["cards_activated"], r["active_customers"]) for r in table
    ] == [("company", "", "5", "3", "2"), ("partner", "garden", "4", "2", "0"), ("online", "", "2", "0", "0")]
    page = office.get("/backoffice/reports/?lang=fr").get_data(as_text=True)
    assert "Cartes par canal de vente" in page and "Partenaire: garden" in page and "Nos magasins" in page
    assert page.count("<svg") == 2  # points and channels: no reward redeemed, no till capture figures yet


def test_no_batch_yet_says_so(office):
    page = office.get("/backoffice/reports/?lang=en").get_data(as_text=True)
    assert "No card batch yet." in page
