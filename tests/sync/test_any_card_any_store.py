"""Any card, any store, end to end: real tills (desk, store, sync worker) of two stores against a real central
(SQLite and PostgreSQL). A customer of store A is looked up and credited at store B online; offline B records
the earn against the card, which converges to the same customer with no duplicate; a customer leaving B's
scope leaves B's files; an erasure reaches every till that held the customer; and no till's files (journal,
its copy, snapshot, backup) hold a customer's e-mail, phone or full surname once central acknowledged them."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from central.card_batches import create_batch
from central.customer_scope import expire
from central.customers import erase_customer
from central.embedded import start_background
from central.schema import customer_scope, customers
from central.transactions import in_transaction
from device.bus import EventBus
from device.config import parse_config
from device.store import Store
from device.sync.client import CentralClient
from device.sync.worker import SyncWorker
from device.till import Till
from kiosk.backup import backup_archive
from loyalty.domain.events import CustomerRegistered, PointsEarned
from loyalty.errors import ForeignCard
from tests.central.databases import database_url, pg_url, sqlite_url  # noqa: F401  (fixtures)

SURNAME, PHONE, EMAIL = "Vautrin", "06 11 22 33 44", "anouk.v@example.org"
SECRETS = (SURNAME.encode(), b"0611223344", b"06 11 22 33 44", EMAIL.encode())
CARD = "CARD0009"


@dataclass
class Place:
    """One till of one store: its desk, store, sync worker and the sync state its screen sees."""

    till: Till
    store: Store
    worker: SyncWorker
    state: dict
    data_dir: Path

    def sync(self) -> None:
        assert self.worker.sync_once().state == "idle"

    def files(self) -> bytes:
        """Every file of the till, and the content of a backup made now (unpacked: it is compressed)."""
        found = b"".join(p.read_bytes() for p in self.data_dir.rglob("*") if p.is_file())
        archive = backup_archive(self.data_dir / "store", self.store.device_id)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            return found + b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())


@pytest.fixture
def chain(database_url, tmp_path):
    server = start_background(database_url, threads=4)
    places: list[Place] = []

    def place(device_id: str, store_id: str) -> Place:
        data_dir = tmp_path / device_id
        config = parse_config(
            {
                "device": {"id": device_id, "role": "till", "name": device_id},
                "paths": {"data_dir": str(data_dir)},
                "hardware": {"mode": "emulated"},
            }
        )
        token = server.enrol_device(device_id, store_id=store_id)
        store = Store.open(data_dir / "store", device_id)
        state = {"state": "idle"}
        client = CentralClient(server.url, token, 30)
        till = Till(config, store, EventBus(), sync_state=lambda: state, customers=client)
        till.sessions.open(till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice"))
        worker = SyncWorker(store, CentralClient(server.url, token, 30), reference=till.reference.apply)
        made = Place(till, store, worker, state, data_dir)
        places.append(made)
        return made

    yield server, place
    for made in places:
        made.till.close()
        made.store.close()
    server.stop()
    server.engine.dispose()


def _home_customer(home: Place) -> str:
    """A customer captured at store A's till with full contact details, 12 points, synced."""
    home.till.card_presented(CARD)
    cid = home.till.register(
        "Anouk", True, card_uid=CARD, extra={"last_name": SURNAME, "phone": PHONE, "email": EMAIL}
    )["customer"]["customer_id"]
    home.till.start_sale({"general": 1200})
    home.till.card_presented(CARD)
    home.sync()
    home.sync()
    return cid


def _count_customers(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(customers)).scalar_one()


def test_a_customer_of_store_a_is_looked_up_and_credited_at_store_b(chain):
    server, place = chain
    home, away = place("till-a", "store-a"), place("till-b", "store-b")
    cid = _home_customer(home)
    away.sync()
    assert away.store.customer_by_card(CARD) is None  # not in store B's share

    shown = away.till.card_presented(CARD)["customer"]
    assert (shown["customer_id"], shown["first_name"], shown["points"]) == (cid, "Anouk", 12)
    away.till.start_sale({"general": 500})
    earned = away.till.card_presented(CARD)
    assert earned["points"] == 5 and earned["customer"]["points"] == 17
    away.sync()
    home.sync()
    assert home.store.balance(cid) == 17 and away.store.balance(cid) == 17
    assert not any(secret in away.files() for secret in SECRETS)


def test_offline_an_unknown_card_earns_against_itself_and_converges_to_its_owner(chain):
    server, place = chain
    home, away = place("till-a", "store-a"), place("till-b", "store-b")
    cid = _home_customer(home)
    away.sync()
    before = _count_customers(server.engine)

    away.state["state"] = "offline"
    away.till.start_sale({"general": 700})
    earned = away.till.card_presented(CARD)
    assert earned["points"] == 7 and earned["customer"]["balance_later"] is True
    assert earned["customer"]["first_name"] == ""
    pending = away.store.pending()
    assert [type(e) for e in pending] == [PointsEarned] and pending[0].customer_id == f"card:{CARD}"
    assert not any(isinstance(e, CustomerRegistered) for e in pending)  # never a new customer offline

    away.state["state"] = "idle"
    away.sync()
    away.sync()
    assert _count_customers(server.engine) == before  # no duplicate at central
    view = away.store.customer_by_card(CARD)
    assert view is not None and view.customer_id == cid and view.points == 19
    assert away.store.balance(f"card:{CARD}") == 0  # the stand-in's pending balance is inside the owner's now
    home.sync()
    assert home.store.balance(cid) == 19


def test_offline_a_card_the_chain_never_issued_is_refused(chain):
    server, place = chain
    away = place("till-b", "store-b")
    in_transaction(server.engine, lambda c: create_batch(c, "company", None, 3))
    away.sync()
    assert away.till.reference.card_filter() is not None
    away.state["state"] = "offline"
    away.till.start_sale({"general": 700})
    with pytest.raises(ForeignCard):
        away.till.card_presented("FOREIGN1")
    assert away.store.pending_count() == 0


def test_a_customer_leaving_the_scope_leaves_the_tills_files(chain):
    server, place = chain
    home, away = place("till-a", "store-a"), place("till-b", "store-b")
    _home_customer(home)
    away.till.card_presented(CARD)
    away.sync()
    assert b"Anouk" in away.files()
    with server.engine.begin() as c:
        c.execute(
            update(customer_scope)
            .where(customer_scope.c.store_key == "store-b")
            .values(last_seen="2001-01-01T00:00:00.000+00:00")
        )
    in_transaction(server.engine, lambda c: expire(c, "store-b", 90))
    away.sync()
    assert away.store.customer_by_card(CARD) is None
    assert b"Anouk" not in away.files() and CARD.encode() not in away.files()
    assert b"Anouk" in home.files()  # store A keeps its own customer


def test_an_erasure_reaches_every_till_that_held_the_customer(chain):
    server, place = chain
    home, away = place("till-a", "store-a"), place("till-b", "store-b")
    cid = _home_customer(home)
    away.till.card_presented(CARD)
    away.sync()
    in_transaction(server.engine, lambda c: erase_customer(c, cid, "test"))
    for till in (home, away):
        till.sync()
        view = till.store.customer(cid)
        assert view is None or (view.erased and view.first_name is None)
        assert b"Anouk" not in till.files()


def test_no_tills_files_hold_contact_details_once_central_acknowledged_them(chain):
    server, place = chain
    home = place("till-a", "store-a")
    home.till.card_presented(CARD)
    home.till.register("Anouk", True, card_uid=CARD, extra={"last_name": SURNAME, "phone": PHONE, "email": EMAIL})
    assert SURNAME.encode() in home.files()  # on its way to central: kept until acknowledged
    home.sync()
    files = home.files()
    assert not any(secret in files for secret in SECRETS)
    assert b"Anouk" in files  # the first name stays: the till shows it
    # Offline, the duplicate check still finds the customer by the phone typed, through its keyed hash.
    home.state["state"] = "offline"
    assert [f["first_name"] for f in home.till.duplicates("0611223344")] == ["Anouk"]
    assert home.till.duplicates("0611223344")[0]["same_contact"] is True


def test_a_till_finds_a_customer_of_another_store_without_their_card(chain):
    server, place = chain
    home, away = place("till-a", "store-a"), place("till-b", "store-b")
    cid = _home_customer(home)
    found = away.till.duplicates("Anouk")  # online: central's masked search, the whole chain
    assert [(f["customer_id"], f["first_name"], f["last_name"], f["card_suffix"]) for f in found] == [
        (cid, "Anouk", "V.", CARD[-4:])
    ]
    assert found[0]["phone"] == "06 •• •• •• 44" and "0611223344" not in str(found) and EMAIL not in str(found)
    away.till.start_sale({"general": 300})
    earned = away.till.open_customer(cid)  # touched in the list: fetched, held, credited
    assert earned["points"] == 3 and earned["customer"]["points"] == 15
    away.state["state"] = "offline"  # offline: the till's own customers, now including her
    assert [f["customer_id"] for f in away.till.duplicates("anouk v")] == [cid]
    assert away.till.duplicates("Basile") == []


def test_the_kiosk_of_another_store_shows_the_balance_online_and_says_it_comes_later_offline(chain, tmp_path):
    from device.reference_cache import ReferenceCache
    from device.selfservice.online import KioskCentral
    from device.selfservice.rewards import RewardsFile
    from device.selfservice.screen import KioskScreen
    from loyalty.errors import BalanceLater, CardNeedsCentral

    server, place = chain
    home = place("till-a", "store-a")
    _home_customer(home)
    token = server.enrol_device("kiosk-b", store_id="store-b")
    state = {"online": True}
    with Store.open(tmp_path / "kiosk-b" / "store", "kiosk-b") as store, KioskCentral(server.url, token, 5) as central:
        screen = KioskScreen(
            store,
            RewardsFile.in_dir(tmp_path / "kiosk-b"),
            device_id="kiosk-b",
            central=central,
            online=lambda: state["online"],
            reference=ReferenceCache(tmp_path / "kiosk-b" / "ref.json"),
        )
        try:
            screen.present(CARD)
            summary = screen.summary(CARD)
            assert (summary.first_name, summary.points) == ("Anouk", 12)
            screen.present("CARD0010")
            state["online"] = False
            with pytest.raises(BalanceLater):
                screen.summary("CARD0010")
            with pytest.raises(CardNeedsCentral):
                screen.register("CARD0010", first_name="Léa", consent=True)
            assert store.pending_count() == 0
        finally:
            screen.close()
