"""Customer service in the back office: find, read one customer's file, act on it (audited), store-scoped."""

from __future__ import annotations

import re

from sqlalchemy import select

from central.backoffice.store_assignments import set_stores
from central.embedded import enrol_device
from central.schema import audit
from central.transactions import in_transaction
from loyalty.domain.events import (
    CardLinked,
    ConsentChanged,
    CustomerRegistered,
    PointsEarned,
    ProfileUpdated,
    to_record,
)
from tests.backoffice.conftest import MANAGER
from tests.central.smtp_sink import smtp_sink  # noqa: F401  (fixture)


class Till:
    def __init__(self, app, client, device_id):
        self.client, self.device_id, self.seq = client, device_id, 0
        self.headers = {"Authorization": f"Bearer {enrol_device(app.extensions['central.engine'], device_id)}"}

    def push(self, *events):
        response = self.client.post(
            "/api/sync/push", json={"events": [to_record(e) for e in events]}, headers=self.headers
        )
        assert response.status_code == 200, response.json

    def pull_customer_of(self, card_uid):
        page = self.client.get("/api/sync/pull?cursor=0&limit=500", headers=self.headers).json
        owner = {c["card_uid"]: c["customer_id"] for c in page["cards"]}[card_uid]
        return owner, {c["customer_id"]: c["points"] for c in page["customers"]}[owner]

    def register(self, cid, first, last, card, points, phone=None, email=None):
        self.seq += 4
        self.push(
            CustomerRegistered(
                device_id=self.device_id,
                seq=self.seq - 3,
                customer_id=cid,
                first_name=first,
                last_name=last,
                phone=phone,
                email=email,
            ),
            ConsentChanged(
                device_id=self.device_id, seq=self.seq - 2, customer_id=cid, granted=True, text_version="v1"
            ),
            CardLinked(device_id=self.device_id, seq=self.seq - 1, customer_id=cid, card_uid=card),
            PointsEarned(
                device_id=self.device_id,
                seq=self.seq,
                customer_id=cid,
                receipt_ref=f"r-{cid}",
                amount_cents=points * 100,
                points=points,
                cashier_id="alice",
            ),
        )


def _stores(app, *stores):
    in_transaction(app.extensions["central.engine"], lambda c: set_stores(c, "anna", MANAGER[0], stores))


def test_a_manager_finds_their_stores_customers_by_phone_with_contact_details_masked(app, manager, office):
    north, south = Till(app, office.client, "till-north"), Till(app, office.client, "till-south")
    north.register("c1", "Zélie", "Marchal", "CARD-1", 10, phone="06 12 34 56 78", email="zelie@example.org")
    south.register("c2", "Zoé", "Marchal", "CARD-2", 20, phone="0612349999")
    _stores(app, "till-north")
    page = manager.get("/backoffice/customers/?q=0612&lang=en").get_data(as_text=True)
    assert 'data-id="c1"' in page and 'data-id="c2"' not in page
    assert "06 12 34 56 78" not in page and "••••••••••••78" in page and "z•••@example.org" in page
    assert manager.get("/backoffice/customers/c2").status_code == 404  # another store's customer
    everyone = office.get("/backoffice/customers/?q=marchal").get_data(as_text=True)
    assert 'data-id="c1"' in everyone and 'data-id="c2"' in everyone and "zelie@example.org" in everyone
    by_card = office.get("/backoffice/customers/?q=CARD-2").get_data(as_text=True)
    assert 'data-id="c2"' in by_card and 'data-id="c1"' not in by_card
    by_email = office.get("/backoffice/customers/?q=ZELIE@example").get_data(as_text=True)
    assert 'data-id="c1"' in by_email


def test_the_customer_page_shows_balance_history_cards_and_consent(app, office):
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 42)
    page = office.get("/backoffice/customers/c1?lang=en").get_data(as_text=True)
    assert re.search(r'id="balance">42<', page)
    assert 'class="op-PointsEarned"' in page and "till-north" in page and "alice" in page and "r-c1" in page
    assert 'data-card="CARD-1"' in page and "v1" in page


def test_a_customer_who_joined_without_a_first_name_is_listed_and_titled_as_such_until_the_name_comes(app, office):
    """A till lets a customer join on their yes alone: the back office says so rather than an empty link."""
    till = Till(app, office.client, "till-north")
    till.register("c1", "", None, "CARD-1", 12)
    found = office.get("/backoffice/customers/?q=CARD-1&lang=fr").get_data(as_text=True)
    assert re.search(r'data-id="c1"><td><a href="[^"]+">Pas encore de nom</a>', found)
    assert "<h1>Pas encore de nom</h1>" in office.get("/backoffice/customers/c1?lang=fr").get_data(as_text=True)
    till.seq += 1
    till.push(ProfileUpdated(device_id="till-north", seq=till.seq, customer_id="c1", first_name="Zélie"))
    page = office.get("/backoffice/customers/c1?lang=en").get_data(as_text=True)
    assert "<h1>Zélie</h1>" in page and "No name yet" not in page


def test_adjustments_need_a_reason_and_stay_within_the_role_limit(app, manager, office):
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 42)
    _stores(app, "till-north")
    manager.get("/backoffice/customers/c1?lang=fr")
    assert manager.post("/backoffice/customers/c1/adjust", {"points": "50", "reason": ""}).status_code == 400
    too_much = manager.post("/backoffice/customers/c1/adjust", {"points": "501", "reason": "geste commercial"})
    assert too_much.status_code == 403 and "au plus 500 points" in too_much.get_data(as_text=True)
    done = manager.post("/backoffice/customers/c1/adjust", {"points": "50", "reason": "geste commercial"})
    assert done.status_code == 302
    assert till.pull_customer_of("CARD-1") == ("c1", 92)
    refused = office.post("/backoffice/customers/c1/adjust", {"points": "-100", "reason": "error"})
    assert refused.status_code == 400 and "you cannot take back more" in refused.get_data(as_text=True)
    with app.extensions["central.engine"].connect() as c:
        row = c.execute(select(audit).where(audit.c.action == "customer.adjust")).one()
    assert row.actor == MANAGER[0] and "geste commercial" in row.detail and row.at


def test_merging_a_till_duplicate_moves_cards_and_points_and_can_be_undone(app, office):
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 42)
    till.register("dup", "Zelie", None, "CARD-9", 8)
    assert (
        office.post("/backoffice/customers/c1/merge", {"duplicate": "CARD-9", "reason": "doublon caisse"}).status_code
        == 302
    )
    assert till.pull_customer_of("CARD-9") == ("c1", 50)  # the till learns it at its next pull
    page = office.get("/backoffice/customers/c1?lang=en").get_data(as_text=True)
    assert re.search(r'id="balance">50<', page) and 'data-card="CARD-9"' in page
    assert 'data-id="dup"' not in office.get("/backoffice/customers/?q=zelie").get_data(as_text=True)
    merge_id = re.search(r"/backoffice/customers/merges/([0-9a-f-]+)/undo", page).group(1)
    assert (
        office.post(
            f"/backoffice/customers/merges/{merge_id}/undo", {"kept": "c1", "reason": "pas un doublon"}
        ).status_code
        == 302
    )
    assert till.pull_customer_of("CARD-9") == ("dup", 8)
    assert till.pull_customer_of("CARD-1") == ("c1", 42)
    again = office.post(f"/backoffice/customers/merges/{merge_id}/undo", {"kept": "c1", "reason": "encore"})
    assert again.status_code == 400 and "only once" in again.get_data(as_text=True)


def test_replacing_a_lost_card_keeps_the_balance_and_blocks_the_old_one(app, office):
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 42)
    assert (
        office.post(
            "/backoffice/customers/c1/cards/CARD-1/replace", {"new_card_uid": "CARD-NEW", "reason": "perdue"}
        ).status_code
        == 302
    )
    assert till.pull_customer_of("CARD-NEW") == ("c1", 42)
    page = office.get("/backoffice/customers/c1?lang=en").get_data(as_text=True)
    assert re.search(r'data-card="CARD-1"><td><code>CARD-1</code></td><td>blocked', page)


def test_head_office_exports_and_erases_from_the_page_and_managers_cannot(app, manager, office):
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 42, email="zelie@example.org")
    _stores(app, "till-north")
    assert manager.get("/backoffice/customers/c1/export.json").status_code == 403
    export = office.get("/backoffice/customers/c1/export.json")
    assert export.status_code == 200 and export.json["profile"]["email"] == "zelie@example.org"
    assert office.post("/backoffice/customers/c1/erase", {"reason": "demande RGPD", "confirm": "x"}).status_code == 403
    assert office.post("/backoffice/customers/c1/erase", {"reason": "demande RGPD", "confirm": "c1"}).status_code == 302
    page = office.get("/backoffice/customers/c1?lang=en").get_data(as_text=True)
    assert "Zélie" not in page and "Erased customer" in page


def test_a_partner_voucher_is_sent_again_or_cancelled_once_with_its_points_given_back(app, office, smtp_sink):
    import dataclasses

    from loyalty.domain.events import PointsRedeemed, VoucherIssued

    sink, port = smtp_sink
    app.extensions["central.settings"] = dataclasses.replace(
        app.extensions["central.settings"], smtp_host="127.0.0.1", smtp_port=port
    )
    till = Till(app, office.client, "till-north")
    till.register("c1", "Zélie", "Marchal", "CARD-1", 150, email="zelie@example.org")
    redeemed = PointsRedeemed(
        device_id="till-north", seq=5, customer_id="c1", reward_id="holiday", reward_kind="partner_voucher", points=100
    )
    till.push(
        redeemed,
        VoucherIssued(
            device_id="till-north",
            seq=6,
            customer_id="c1",
            partner="vacances",
            redemption_event_id=redeemed.event_id,
            code="VAC-1",
            face_value_cents=2000,
        ),
    )
    with app.extensions["central.engine"].begin() as c:
        from central.schema import voucher_codes

        c.execute(
            voucher_codes.insert().values(
                partner="vacances",
                code="VAC-1",
                face_value_cents=2000,
                imported_at="2026-01-01",
                issued_at="2026-01-02",
                customer_id="c1",
                device_id="till-north",
                redemption_event_id=redeemed.event_id,
            )
        )
    assert till.pull_customer_of("CARD-1") == ("c1", 50)
    office.get("/backoffice/customers/c1?lang=en")
    assert office.post("/backoffice/customers/c1/vouchers/VAC-1/resend").status_code == 302
    assert "VAC-1" in sink.wait_for(1).get_payload(decode=True).decode()
    assert office.post("/backoffice/customers/c1/vouchers/VAC-1/cancel", {"reason": "séjour annulé"}).status_code == 302
    assert till.pull_customer_of("CARD-1") == ("c1", 150)
    again = office.post("/backoffice/customers/c1/vouchers/VAC-1/cancel", {"reason": "séjour annulé"})
    assert again.status_code == 400 and "already cancelled" in again.get_data(as_text=True)
    assert till.pull_customer_of("CARD-1") == ("c1", 150)
    assert "cancelled, points given back" in office.get("/backoffice/customers/c1").get_data(as_text=True)


def test_search_by_chip_uid_and_pages_of_twenty(app, office):
    till = Till(app, office.client, "till-north")
    for n in range(25):
        till.register(f"m{n:02d}", "Zoé", "Marchal", f"2900000000{n:02d}", 1)
    with app.extensions["central.engine"].begin() as c:
        from central.schema import batch_cards

        c.execute(
            batch_cards.insert().values(
                card_uid="290000000007", batch_id="b1", activation_code="X", chip_uid="04A1B2C3D4E5F6"
            )
        )
    by_chip = office.get("/backoffice/customers/?q=04a1b2c3d4e5f6").get_data(as_text=True)
    assert re.findall(r'data-id="(m\d\d)"', by_chip) == ["m07"]
    first = office.get("/backoffice/customers/?q=march").get_data(as_text=True)
    assert len(re.findall(r'data-id="m\d\d"', first)) == 20 and 'id="next-page"' in first
    second = office.get("/backoffice/customers/?q=march&page=1").get_data(as_text=True)
    assert len(re.findall(r'data-id="m\d\d"', second)) == 5 and 'id="next-page"' not in second
