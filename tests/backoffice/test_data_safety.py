"""The data safety page lists each device's missing sequence numbers and the card links held for review;
the catalogue says when a voucher or a reward is out of stock."""

from central import vouchers
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned


def _story(engine):
    enrol_device(engine, "till-7")
    enrol_device(engine, "till-8")
    regular = [
        CustomerRegistered(device_id="till-7", seq=1, customer_id="regular", first_name="Invented"),
        CardLinked(device_id="till-7", seq=2, customer_id="regular", card_uid="CARD-REG"),
        PointsEarned(device_id="till-7", seq=5, customer_id="regular", receipt_ref="R5", amount_cents=100, points=1),
    ]  # 3 and 4 never arrived
    claim = [
        CustomerRegistered(device_id="till-8", seq=1, customer_id="newcomer", first_name="Invented"),
        CardLinked(device_id="till-8", seq=2, customer_id="newcomer", card_uid="CARD-REG"),
    ]
    in_transaction(engine, lambda c: ingest(c, regular, "till-7"))
    in_transaction(engine, lambda c: ingest(c, claim, "till-8"))


def test_gaps_and_card_claims_are_listed_for_head_office(office, engine):
    _story(engine)
    page = office.get("/backoffice/data-safety/").get_data(as_text=True)
    assert 'data-device="till-7"' in page and "3–4" in page and 'data-device="till-8"' not in page
    assert 'data-card="CARD-REG"' in page and "newcomer" in page
    assert "Data safety" in office.get("/backoffice/").get_data(as_text=True)  # in the menu
    french = office.get("/backoffice/data-safety/?lang=fr").get_data(as_text=True)
    assert "Liens de carte à vérifier" in french


def test_a_manager_sees_only_their_stores(manager, engine):
    _story(engine)
    page = manager.get("/backoffice/data-safety/").get_data(as_text=True)
    assert "till-7" not in page and "CARD-REG" not in page and "No device is missing any event." in page


def test_an_empty_pool_and_an_empty_stock_read_out_of_stock(office, engine):
    office.post(
        "/backoffice/catalogue/",
        {
            "reward_id": "holiday-50",
            "kind": "partner_voucher",
            "name": "Séjour",
            "points_price": "900",
            "partner": "holidays",
            "face_value": "50,00",
            "active": "on",
        },
    )
    office.post(
        "/backoffice/catalogue/",
        {"reward_id": "mug", "kind": "in_house", "name": "Mug", "points_price": "120", "stock": "0", "active": "on"},
    )
    page = office.get("/backoffice/catalogue/").get_data(as_text=True)
    assert "Out of stock: no code left for holidays" in page and "Out of stock: Mug has none left." in page
    in_transaction(engine, lambda c: vouchers.import_codes(c, "holidays", [("H1", 5000)]))
    page = office.get("/backoffice/catalogue/").get_data(as_text=True)
    assert "no code left for holidays" not in page and "only 1 codes left for holidays" in page


def _owner(engine, uid):
    from sqlalchemy import select

    from central.schema import cards

    with engine.connect() as c:
        return c.execute(select(cards.c.customer_id).where(cards.c.card_uid == uid)).scalar_one()


def test_head_office_keeps_or_moves_a_held_card_link_and_it_is_audited(office, manager, engine):
    from central.card_claims import open_claims

    _story(engine)
    claim = in_transaction(engine, open_claims)[0]
    assert (
        manager.post(f"/backoffice/data-safety/card-claims/{claim.event_id}", {"decision": "move"}).status_code == 403
    )  # head office decides
    assert _owner(engine, "CARD-REG") == "regular"
    response = office.post(f"/backoffice/data-safety/card-claims/{claim.event_id}", {"decision": "move"})
    assert response.status_code == 302
    assert _owner(engine, "CARD-REG") == "newcomer" and in_transaction(engine, open_claims) == []
    assert (
        office.post(f"/backoffice/data-safety/card-claims/{claim.event_id}", {"decision": "keep"}).status_code == 404
    )  # already decided
    assert "card_claim.move" in office.get("/backoffice/audit").get_data(as_text=True)


def test_head_office_records_missing_numbers_as_lost_and_the_run_goes_on(office, manager, engine):
    from sqlalchemy import select

    from central.schema import devices
    from central.sequence_gaps import all_gaps

    _story(engine)
    assert manager.post("/backoffice/data-safety/gaps/till-7").status_code == 403
    assert office.post("/backoffice/data-safety/gaps/till-7").status_code == 302
    assert in_transaction(engine, all_gaps) == []
    with engine.connect() as c:
        assert c.execute(select(devices.c.seq_through).where(devices.c.device_id == "till-7")).scalar_one() == 5
    later = [
        PointsEarned(device_id="till-7", seq=6, customer_id="regular", receipt_ref="R6", amount_cents=100, points=1)
    ]
    assert in_transaction(engine, lambda c: ingest(c, later, "till-7")).seq_through == 6
    assert "sequence.lost" in office.get("/backoffice/audit").get_data(as_text=True)
