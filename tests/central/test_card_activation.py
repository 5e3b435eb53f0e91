"""Online activation makes the card a customer's: the till knows the shopper at the first tap."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from central.card_batches import create_batch, import_chip_uids
from central.schema import batch_cards
from central.transactions import in_transaction
from tests.central.pool_world import PoolWorld

CHIP = "04C0FFEE123456"


@pytest.fixture
def world(client, engine, tmp_path):
    made = PoolWorld(client, engine, tmp_path)
    yield made
    made.close()


def _card(engine, channel="online"):
    batch = in_transaction(engine, lambda c: create_batch(c, channel, None, 2))
    row = in_transaction(
        engine,
        lambda c: c.execute(
            select(batch_cards).where(batch_cards.c.batch_id == batch.batch_id).order_by(batch_cards.c.card_uid)
        ).first(),
    )
    return batch.batch_id, row.card_uid, row.activation_code


def _page_post(client, **form):
    return client.post("/activate", data=form)


def test_a_card_activated_on_the_page_is_known_at_the_till_by_either_face(world, client, engine):
    batch_id, number, code = _card(engine)
    in_transaction(engine, lambda c: import_chip_uids(c, batch_id, f"card_number,chip_uid\n{number},{CHIP}\n"))
    page = client.get("/activate?lang=fr").get_data(as_text=True)
    assert 'name="viewport"' in page and "Activer ma carte" in page
    spaced = f"{number[0]} {number[1:7]} {number[7:]}"
    done = _page_post(
        client, card_number=spaced, activation_code=code.lower(), first_name="Zoé", consent="yes", lang="fr"
    )
    assert done.status_code == 200 and "fait, Zoé : votre carte est active" in done.get_data(as_text=True)
    till = world.till()
    for face in (number, CHIP):
        shown = till.card_presented(face)
        assert "unknown_card" not in shown and shown["customer"]["first_name"] == "Zoé"
    again = _page_post(client, card_number=number, activation_code=code, first_name="Zoé", consent="yes", lang="en")
    assert "already yours" in again.get_data(as_text=True)
    world.pull(till)
    assert len({till.card_presented(f)["customer"]["customer_id"] for f in (number, CHIP)}) == 1


def test_a_card_first_used_at_a_till_keeps_its_customer_when_activated_online(world, client, engine):
    batch_id, number, code = _card(engine, "company")
    till = world.till()
    till.card_presented(number)
    customer_id = till.register("Yann", True)["customer"]["customer_id"]
    world.sync(till)
    answer = client.post(
        "/api/cards/activate",
        json={"card_number": number, "activation_code": code, "first_name": "Yann", "consent": True},
    )
    assert answer.status_code == 200 and (answer.json["customer_id"], answer.json["created"]) == (customer_id, False)


@pytest.mark.parametrize(
    "lang, wrong_code, no_consent",
    [
        ("fr", "Le code ne correspond pas", "acceptez les conditions"),
        ("en", "The code does not match", "accept the programme"),
    ],
)
def test_the_page_says_what_is_wrong_in_its_language_and_keeps_what_was_typed(
    client, engine, lang, wrong_code, no_consent
):
    batch_id, number, code = _card(engine)
    wrong = "AAAAAAAA" if code != "AAAAAAAA" else "BBBBBBBB"
    refused = _page_post(client, card_number=number, activation_code=wrong, first_name="Zoé", consent="yes", lang=lang)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and wrong_code in text
    assert re.search(rf'id="card_number"[^>]*value="{number}"', text) and wrong not in text
    refused = _page_post(client, card_number=number, activation_code=code, first_name="Zoé", lang=lang)
    assert refused.status_code == 400 and no_consent in refused.get_data(as_text=True)
    refused = _page_post(
        client, card_number=number[:-1], activation_code=code, first_name="Zoé", consent="yes", lang=lang
    )
    assert refused.status_code == 400 and 'id="error"' in refused.get_data(as_text=True)


def test_the_activation_page_and_the_portal_keep_a_first_name_by_the_tills_rule(app):
    from central.card_activation import check_first_name
    from central.errors import BadRequest, PortalRefused
    from central.portal.account import save_profile

    assert check_first_name("  INES ") == "Ines"
    for wrong in ("R2D2", "<script>", "x" * 41, "   "):
        with pytest.raises(BadRequest):
            check_first_name(wrong)
    with app.test_request_context("/?lang=fr"), pytest.raises(PortalRefused, match="lettres"):
        save_profile(None, "c-1", {"first_name": "R2D2"}, True)  # refused before anything is written
