"""Each store's devices hold the customers of its scope with least data; any card is looked up at central."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from central import create_app
from central.customer_scope import assign
from central.customers import erase_customer
from central.pools import remove_member, set_member
from central.schema import customer_scope, customers, events, settings
from central.settings import CentralSettings
from central.transactions import in_transaction
from central.unknown_cards import new_customer_id
from device.store import Store
from loyalty.domain.customers import contact_hashes, unknown_card_customer
from loyalty.domain.events import CardBlocked, CardLinked, CustomerRegistered, PointsEarned
from loyalty.wire import batch_from_record
from tests.central.conftest import ADMIN_TOKEN, Device

SURNAME, PHONE, EMAIL = "Vautrin-Lefebvre", "06 12 34 56 78", "anouk.vautrin@example.org"


def _register(device, cid: str, card: str, **profile) -> None:
    device.push(
        [
            CustomerRegistered(
                device_id=device.device_id,
                seq=device.next_seq(),
                customer_id=cid,
                first_name=profile.pop("first_name", "Anouk"),
                **profile,
            ),
            CardLinked(device_id=device.device_id, seq=device.next_seq(), customer_id=cid, card_uid=card),
        ]
    )


def _earn(device, cid: str, points: int, **extra) -> PointsEarned:
    return PointsEarned(
        device_id=device.device_id,
        seq=device.next_seq(),
        customer_id=cid,
        receipt_ref=f"r-{device.device_id}-{device.seq}",
        amount_cents=points * 100,
        points=points,
        **extra,
    )


@pytest.fixture
def app(database_url):
    """Central with `device_scope = "store"`: each store's devices pull their store's scope."""
    app = create_app(database_url, admin_token=ADMIN_TOKEN, settings=CentralSettings(device_scope="store"))
    yield app
    app.extensions["central.engine"].dispose()


@pytest.fixture
def stores(make_device):
    """Two stores with one till each; store A registered Anouk (full profile) with card A-1."""
    a, b = make_device("till-a", "store-a"), make_device("till-b", "store-b")
    _register(a, "c-anouk", "A-1", last_name=SURNAME, phone=PHONE, email=EMAIL)
    a.push([_earn(a, "c-anouk", 40)])
    _register(b, "c-bruno", "B-1", first_name="Bruno")
    return a, b


def test_a_store_pulls_only_its_customers_with_least_data(stores, engine):
    a, b = stores
    raw = json.dumps([a.pull(0), b.pull(0)])
    for secret in (SURNAME, PHONE, "0612345678", EMAIL, "vautrin"):
        assert secret not in raw.lower() if secret.islower() else secret not in raw
    mine, theirs = a.pull_all(), b.pull_all()
    assert set(mine["customers"]) == {"c-anouk"} and set(theirs["customers"]) == {"c-bruno"}
    assert set(mine["cards"]) == {"A-1"} and set(theirs["cards"]) == {"B-1"}
    row = mine["customers"]["c-anouk"]
    assert (row["first_name"], row["last_initial"], row["points"]) == ("Anouk", "V", 40)
    assert row["last_name"] is None and row["phone"] is None and row["email"] is None
    assert row["profile_filled"] == ["last_name", "phone", "email"]
    assert theirs["customers"]["c-bruno"]["profile_filled"] == []
    with engine.connect() as c:
        key = json.loads(
            c.execute(select(settings.c.value_json).where(settings.c.key == "contact_hash_key")).scalar_one()
        )
    assert row["contact_hashes"] == list(
        contact_hashes(bytes.fromhex(key), "+33 6 12 34 56 78", "Anouk.Vautrin@Example.org ")
    )


def test_a_customer_of_store_a_tapping_at_store_b_is_looked_up_then_held_by_b(stores):
    a, b = stores
    cursor = b.pull_all()["cursor"]
    answer = b.client.get("/api/customers/by-card/A-1", headers=b.headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["customer"]["points"] == 40 and answer.json["customer"]["phone"] is None
    assert [c["card_uid"] for c in answer.json["cards"]] == ["A-1"]
    later = b.pull_from(cursor)
    assert set(later["customers"]) == {"c-anouk"} and set(later["cards"]) == {"A-1"}
    b.push([_earn(b, "c-anouk", 5)])  # earns at store B, online
    assert a.pull_all()["customers"]["c-anouk"]["points"] == 45
    assert b.pull_from(later["cursor"])["customers"]["c-anouk"]["points"] == 45


def test_unknown_and_blocked_cards_are_told_apart(stores):
    a, b = stores
    assert b.client.get("/api/customers/by-card/NOPE-1", headers=b.headers).status_code == 404
    a.push([CardBlocked(device_id="till-a", seq=a.next_seq(), card_uid="A-1", reason="lost")])
    assert b.client.get("/api/customers/by-card/A-1", headers=b.headers).status_code == 410
    assert b.client.get("/api/customers/by-card/A-1").status_code == 401


def test_an_offline_earn_on_an_unknown_card_goes_to_its_owner_without_a_duplicate(stores, engine):
    a, b = stores
    earn = _earn(b, unknown_card_customer("A-1"), 7, card_uid="A-1")
    b.push([earn])
    b.push([earn])  # a retry changes nothing
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(customers)).scalar_one() == 2
        assert (
            c.execute(select(events.c.customer_id).where(events.c.event_id == earn.event_id)).scalar_one() == "c-anouk"
        )
    assert a.pull_all()["customers"]["c-anouk"]["points"] == 47
    assert set(b.pull_all()["customers"]) == {"c-bruno", "c-anouk"}  # the earn put Anouk in store B's scope


def test_an_offline_earn_on_a_new_card_makes_one_customer_whichever_devices_report_it(stores, engine, make_device):
    a, b = stores
    b2 = make_device("till-b2", "store-b")
    first, second = _earn(b, unknown_card_customer("N-9"), 3), _earn(b2, unknown_card_customer("N-9"), 4)
    b.push([first])
    b2.push([second])
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(customers)).scalar_one() == 3
    cid = new_customer_id("N-9")
    pulled = b.pull_all()
    assert pulled["customers"][cid]["points"] == 7 and pulled["cards"]["N-9"]["customer_id"] == cid
    assert b.client.get("/api/customers/by-card/N-9", headers=b.headers).json["customer"]["customer_id"] == cid


def test_only_earns_and_refunds_may_name_an_unknown_card(stores):
    from loyalty.domain.events import PointsRedeemed

    a, b = stores
    spend = PointsRedeemed(
        device_id="till-b",
        seq=b.next_seq(),
        customer_id=unknown_card_customer("A-1"),
        reward_id="coffee",
        reward_kind="in_house",
        points=1,
    )
    assert b.push([spend], expect=422)["event_id"] == spend.event_id


def test_a_customer_not_seen_for_the_scope_days_is_removed_from_the_store(stores, engine):
    a, b = stores
    b.client.get("/api/customers/by-card/A-1", headers=b.headers)
    cursor = b.pull_all()["cursor"]
    in_transaction(engine, lambda c: assign(c, "store-b", "c-bruno"))
    with engine.begin() as c:  # both entries last seen long ago
        c.execute(
            update(customer_scope)
            .where(customer_scope.c.store_key == "store-b")
            .values(last_seen="2001-01-01T00:00:00.000+00:00")
        )
    later = b.pull_from(cursor)
    assert later["removed"] == {"c-anouk"}  # Bruno is assigned to store B: he stays
    a.push([_earn(a, "c-anouk", 1)])
    assert "c-anouk" not in b.pull_from(later["cursor"])["customers"]  # changes no longer reach store B
    assert b.pull_all()["customers"].keys() == {"c-bruno"}  # nor a new device of store B


def test_an_erasure_reaches_every_device_even_those_that_never_held_the_customer(stores, engine, make_device):
    a, b = stores
    c = make_device("till-c", "store-c")
    b.client.get("/api/customers/by-card/A-1", headers=b.headers)
    cursors = {d.device_id: d.pull_all()["cursor"] for d in (a, b, c)}
    in_transaction(engine, lambda conn: erase_customer(conn, "c-anouk", "test"))
    for device in (a, b, c):
        later = device.pull_from(cursors[device.device_id])
        assert later["erased"] == {"c-anouk"} and not later["customers"]
    assert c.pull_all()["erased"] == {"c-anouk"}


def test_a_device_without_a_store_holds_the_whole_chain_with_least_data(stores, make_device):
    solo = make_device("till-solo")
    pulled = solo.pull_all()
    assert set(pulled["customers"]) == {"c-anouk", "c-bruno"}
    assert pulled["customers"]["c-anouk"]["phone"] is None and pulled["customers"]["c-anouk"]["last_name"] is None


def test_a_till_searches_the_chain_masked_and_holds_only_the_customer_it_opens(stores, engine):
    a, b = stores
    for query in ("anouk", "06 12 34", "anouk.vautrin@", "A-1", "vautrin"):
        answer = b.client.get("/api/customers/search", query_string={"q": query}, headers=b.headers)
        assert answer.status_code == 200, answer.json
        found = answer.json["customers"]
        assert [f["customer_id"] for f in found] == ["c-anouk"], query
        assert found[0] == {
            "customer_id": "c-anouk",
            "first_name": "Anouk",
            "last_initial": "V",
            "phone": "06 •• •• •• 78",
            "email": "a•••@e•••.org",
            "card_suffix": "A-1",
            "points": 40,
        }
    assert b.client.get("/api/customers/search?q=a", headers=b.headers).status_code == 400
    with engine.connect() as c:  # searching put no one in store B's scope
        assert c.execute(
            select(customer_scope.c.customer_id).where(customer_scope.c.store_key == "store-b")
        ).scalars().all() == ["c-bruno"]
    cursor = b.pull_all()["cursor"]
    opened = b.client.get("/api/customers/c-anouk", headers=b.headers)
    assert opened.status_code == 200 and opened.json["customer"]["last_initial"] == "V"
    assert set(b.pull_from(cursor)["customers"]) == {"c-anouk"}
    assert b.client.get("/api/customers/c-nobody", headers=b.headers).status_code == 404


def test_a_new_device_gets_each_customer_of_its_scope_once_page_after_page(stores):
    a, b = stores
    a.push([_earn(a, "c-anouk", 2)])  # a change after the customer entered the scope
    cursor, seen = 0, []
    while True:
        page = a.pull(cursor, limit=1)
        seen += [c["customer_id"] for c in page["customers"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert seen.count("c-anouk") == 1


def test_an_offline_earn_on_a_blocked_card_goes_to_its_owner_flagged_for_review(stores, engine):
    a, b = stores
    a.push([CardBlocked(device_id="till-a", seq=a.next_seq(), card_uid="A-1", reason="lost")])
    earn = _earn(b, unknown_card_customer("A-1"), 6, card_uid="A-1")
    b.push([earn])
    with engine.connect() as c:
        stored = c.execute(
            select(events.c.customer_id, events.c.review).where(events.c.event_id == earn.event_id)
        ).one()
    assert tuple(stored) == ("c-anouk", True)


def test_by_default_each_store_pulls_its_scope_and_chain_brings_everyone_with_least_data(database_url, make_device):
    """Devices look unknown cards up at central and take a pool's member count from it, so `device_scope` is
    "store" unless set to "chain"."""
    store_app = create_app(database_url, admin_token=ADMIN_TOKEN)
    try:
        a = Device(store_app.test_client(), store_app.extensions["central.engine"], "till-a", "store-a")
        b = Device(store_app.test_client(), store_app.extensions["central.engine"], "till-b", "store-b")
        _register(a, "c-anouk", "A-1", last_name=SURNAME, phone=PHONE, email=EMAIL)
        assert set(b.pull_all()["customers"]) == set() and set(a.pull_all()["customers"]) == {"c-anouk"}
    finally:
        store_app.extensions["central.engine"].dispose()
    chain_app = create_app(database_url, admin_token=ADMIN_TOKEN, settings=CentralSettings(device_scope="chain"))
    try:
        a = Device(chain_app.test_client(), chain_app.extensions["central.engine"], "till-a", "store-a")
        b = Device(chain_app.test_client(), chain_app.extensions["central.engine"], "till-b", "store-b")
        _register(a, "c-anouk", "A-1", last_name=SURNAME, phone=PHONE, email=EMAIL)
        pulled = b.pull_all()
        assert set(pulled["customers"]) == {"c-anouk"} and pulled["customers"]["c-anouk"]["phone"] is None
        assert pulled["customers"]["c-anouk"]["last_initial"] == "V"
    finally:
        chain_app.extensions["central.engine"].dispose()


def _join(engine, cid: str) -> None:
    """The back office makes a customer a member of pool "famille" (only central makes memberships)."""
    in_transaction(engine, lambda c: set_member(c, "famille", cid, 50, "test"))


def _pull_into(device, store: Store, cursor: int) -> int:
    """Apply every page after `cursor` to the device's store, as its sync does; returns the new cursor."""
    while True:
        page = device.pull(cursor)
        store.apply_batch(batch_from_record(page))
        cursor = page["cursor"]
        if not page["more"]:
            return cursor


def test_a_stores_till_shows_the_pools_member_count_from_central(stores, engine, tmp_path):
    """Store A holds Anouk, not Bruno of store B: the till still says the pool has two members, and follows
    joins and leaves made elsewhere."""
    a, b = stores
    _join(engine, "c-anouk")
    _join(engine, "c-bruno")
    with Store.open(tmp_path / "till-a", "till-a") as till:
        cursor = _pull_into(a, till, 0)
        assert till.customer("c-bruno") is None
        summary = till.pool_summary("c-anouk")
        assert summary is not None and summary.members == 2

        _register(b, "c-chloe", "B-2", first_name="Chloé")
        _join(engine, "c-chloe")
        cursor = _pull_into(a, till, cursor)
        assert till.customer("c-chloe") is None and till.pool_summary("c-anouk").members == 3

        in_transaction(engine, lambda c: remove_member(c, "famille", "c-bruno", "test"))
        cursor = _pull_into(a, till, cursor)
        assert till.pool_summary("c-anouk").members == 2

    answer = b.client.get("/api/customers/by-card/A-1", headers=b.headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["pool_balance"] == {"pool_id": "famille", "points": 0, "members": 2}
