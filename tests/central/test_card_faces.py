"""One card, two faces: the chip UID and the printed 13-digit number find the same customer everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from central import card_faces
from central.backoffice import channel_report
from central.card_batches import create_batch, export_csv, import_chip_uids
from central.schema import batch_cards
from central.transactions import in_transaction
from loyalty.errors import CardBlocked
from tests.central.pool_world import PoolWorld

CHIP = "04A1B2C3D4E5F6"


@pytest.fixture
def world(client, engine, tmp_path):
    made = PoolWorld(client, engine, tmp_path)
    yield made
    made.close()


def _batch_with_chip(engine, chip: str = CHIP) -> tuple[str, str]:
    """A company batch of 3 cards; card production gave the first one the chip `chip`. Returns (batch, number)."""
    batch = in_transaction(engine, lambda c: create_batch(c, "company", None, 3))
    number = in_transaction(
        engine,
        lambda c: (
            c.execute(
                select(batch_cards.c.card_uid)
                .where(batch_cards.c.batch_id == batch.batch_id)
                .order_by(batch_cards.c.card_uid)
            )
            .scalars()
            .first()
        ),
    )
    exported = in_transaction(engine, lambda c: export_csv(c, batch.batch_id))
    lines = exported.splitlines()
    produced = (
        "\n".join(
            [lines[0]] + [line.rstrip(",") + "," + chip if line.startswith(number) else line for line in lines[1:]]
        )
        + "\n"
    )
    assert in_transaction(engine, lambda c: import_chip_uids(c, batch.batch_id, produced)) == 1
    return batch.batch_id, number


def _spaced(number: str) -> str:
    return f"{number[0]} {number[1:7]} {number[7:]}"


def test_a_chip_registered_at_the_till_is_found_by_its_printed_number_at_any_till_and_in_the_back_office(world, engine):
    batch_id, number = _batch_with_chip(engine)
    till = world.till()
    assert "unknown_card" in till.card_presented(CHIP)
    customer_id = till.register("Zoé", True)["customer"]["customer_id"]
    world.sync(till)

    other = world.till("other")
    assert other.card_presented(number)["customer"]["customer_id"] == customer_id
    assert till.card_presented(number)["customer"]["customer_id"] == customer_id
    with engine.connect() as connection:
        assert card_faces.customer_of(connection, _spaced(number)) == customer_id
        assert card_faces.customer_of(connection, "04:a1:b2:c3:d4:e5:f6") == customer_id


def test_a_chip_file_arriving_after_the_printed_number_was_registered_links_the_chip_too(world, engine):
    batch = in_transaction(engine, lambda c: create_batch(c, "partner", "garden", 2))
    number = in_transaction(
        engine,
        lambda c: (
            c.execute(
                select(batch_cards.c.card_uid)
                .where(batch_cards.c.batch_id == batch.batch_id)
                .order_by(batch_cards.c.card_uid)
            )
            .scalars()
            .first()
        ),
    )
    till = world.till()
    till.card_presented(number)
    customer_id = till.register("Yann", True)["customer"]["customer_id"]
    world.sync(till)
    produced = f"card_number,chip_uid\n{number},{CHIP}\n"
    in_transaction(engine, lambda c: import_chip_uids(c, batch.batch_id, produced))
    world.pull(till)
    assert till.card_presented(CHIP)["customer"]["customer_id"] == customer_id


def test_cards_by_channel_count_a_customer_who_only_ever_tapped_the_chip(world, engine):
    batch_id, number = _batch_with_chip(engine)
    till = world.till()
    till.card_presented(CHIP)
    customer_id = till.register("Zoé", True)["customer"]["customer_id"]
    till.start_sale({"general": 1200}, receipt_ref="R1")
    till.card_presented(CHIP)
    world.sync(till)
    rows = in_transaction(engine, lambda c: channel_report.channel_rows(c, frozenset({customer_id})))
    company = next(r for r in rows if r.channel == "company")
    assert (company.cards_activated, company.active_customers) == (1, 1)


def test_blocking_one_face_blocks_the_card_whatever_face_is_shown(world, client, admin, engine):
    batch_id, number = _batch_with_chip(engine)
    till = world.till()
    till.card_presented(CHIP)
    till.register("Zoé", True)
    world.sync(till)
    blocked = client.post(f"/api/admin/cards/{CHIP}/block", json={"reason": "lost"}, headers=admin)
    assert blocked.status_code == 200, blocked.json
    world.pull(till)
    for face in (CHIP, number):
        with pytest.raises(CardBlocked):
            till.card_presented(face)
