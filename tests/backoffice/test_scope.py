"""A store manager sees and changes only their own stores, checked on the server for every route a
manager reaches (figures against the invented week's ledger); head office keeps seeing every store."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from central import cashier_figures
from central.backoffice import staff, store_assignments
from central.backoffice.accounts import create_user
from central.embedded import enrol_device
from central.ingest import ingest
from central.transactions import in_transaction
from loyalty.domain.events import CustomerRegistered, PointsEarned, PointsRedeemed, VoucherIssued
from loyalty.domain.ledger import Ledger
from tests.backoffice.conftest import BackOffice
from tests.backoffice.ledgers import add_holiday_voucher

NO_STORE = ("nadia", "no-store-manager-password")
CSVS = ("summary", "cashiers", "stores", "partners", "till-cashiers", "till-stores")


@pytest.fixture
def loaded(engine, week):
    """The week in central, both stores enrolled with their tills' figures, marc tied to store-a only."""
    add_holiday_voucher(engine)
    in_transaction(engine, lambda c: ingest(c, week, None))
    for store, operations in (("store-a", 12), ("store-b", 30)):
        enrol_device(engine, store)
        row = cashier_figures.DayFigures(
            "alice" if store == "store-a" else "carla",
            "2026-11-03",
            operations=operations,
            earns=operations,
            timed_ops=operations,
            op_ms_total=operations * 2000,
        )
        in_transaction(engine, lambda c, store=store, row=row: cashier_figures.store_rows(c, store, [row]))
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", "marc", ["store-a"]))
    return week


@pytest.fixture
def no_store(app, engine):
    in_transaction(engine, lambda c: create_user(c, NO_STORE[0], "manager", NO_STORE[1]))
    session = BackOffice(app.test_client())
    session.sign_in(NO_STORE)
    return session


def _figure(page: str, key: str) -> int:
    found = re.search(rf'<dd id="{key}">(-?\d+)</dd>', page)
    assert found, key
    return int(found.group(1))


def _keys(page: str, table: str) -> set[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<tr data-key="([^"]+)"', body))


def _expected(events, store: str | None) -> dict[str, int]:
    """The summary figures folded from the events themselves, for one store or all."""
    inside = [e for e in events if store is None or e.device_id == store]
    return {
        "points-earned": sum(e.points for e in inside if isinstance(e, PointsEarned)),
        "points-redeemed": sum(e.points for e in inside if isinstance(e, PointsRedeemed)),
        "earn-operations": sum(isinstance(e, PointsEarned) for e in inside),
        "customers-registered": sum(isinstance(e, CustomerRegistered) for e in inside),
        "active-customers": len({e.customer_id for e in inside if isinstance(e, (PointsEarned, PointsRedeemed))}),
    }


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_manager_sees_their_stores_figures_only(manager, loaded):
    page = manager.get("/backoffice/reports/?lang=en").get_data(as_text=True)
    assert {key: _figure(page, key) for key in _expected(loaded, "store-a")} == _expected(loaded, "store-a")
    assert _expected(loaded, "store-a") != _expected(loaded, None)
    assert _keys(page, "capture-stores") == {"store-a"}
    assert _keys(page, "capture-cashiers") == {"alice", "bob"}
    assert _keys(page, "till-stores") == {"store-a"} and _keys(page, "till-cashiers") == {"alice"}
    assert 'id="points-outstanding"' not in page and 'id="liability-note"' in page
    assert 'id="channels"' not in page
    store_filter = page.split('id="period-form"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', store_filter) == ["", "store-a"]
    daily = page.split('id="daily-form"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', daily) == ["store-a"]
    asked = manager.get("/backoffice/reports/?store=store-a").get_data(as_text=True)
    assert _figure(asked, "points-earned") == _expected(loaded, "store-a")["points-earned"]


def test_a_managers_csv_exports_hold_their_stores_only(manager, loaded):
    store_a = [e for e in loaded if e.device_id == "store-a"]
    [summary] = _csv(manager.get("/backoffice/reports/summary.csv?variant=data"))
    assert int(summary["points_earned"]) == _expected(loaded, "store-a")["points-earned"]
    assert int(summary["earn_operations"]) == _expected(loaded, "store-a")["earn-operations"]
    assert summary["outstanding_points"] == ""  # the chain's liability is head office's figure
    assert [r["device_id"] for r in _csv(manager.get("/backoffice/reports/stores.csv?variant=data"))] == ["store-a"]
    cashiers = _csv(manager.get("/backoffice/reports/cashiers.csv?variant=data"))
    assert {r["cashier_id"] for r in cashiers} == {"alice", "bob"}
    partners = {
        (r["partner"], r["kind"]): r for r in _csv(manager.get("/backoffice/reports/partners.csv?variant=data"))
    }
    vouchers = [e for e in store_a if isinstance(e, VoucherIssued)]
    assert int(partners[("holidays", "partner_voucher")]["vouchers_issued"]) == len(vouchers)
    till = _csv(manager.get("/backoffice/reports/till-stores.csv?variant=data"))
    assert [(r["device_id"], r["operations"]) for r in till] == [("store-a", "12")]
    till_cashiers = _csv(manager.get("/backoffice/reports/till-cashiers.csv?variant=data"))
    assert [r["cashier_id"] for r in till_cashiers] == ["alice"]


@pytest.mark.parametrize(
    "path",
    [
        "/backoffice/reports/?store=store-b",
        "/backoffice/reports/?store=nowhere",
        *[f"/backoffice/reports/{name}.csv?store=store-b" for name in CSVS],
        "/backoffice/reports/channels.csv",
        "/backoffice/reports/daily.txt?store=store-b&day=2026-11-02",
        "/backoffice/devices/store-b",
        "/backoffice/devices/nowhere",
    ],
)
def test_another_store_is_refused_by_url(manager, loaded, path):
    response = manager.get(path)
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "carla" not in text and "points_earned" not in text


def test_a_manager_sets_capture_only_for_their_stores(manager, engine, loaded):
    before = in_transaction(engine, staff.capture_modes)
    for form in (
        {"scope": "stores", "key": "store-b", "mode": "off"},
        {"scope": "default", "key": "", "mode": "required"},
    ):
        assert manager.post("/backoffice/cashiers/capture", form).status_code == 403
    assert in_transaction(engine, staff.capture_modes) == before
    assert (
        manager.post(
            "/backoffice/cashiers/capture", {"scope": "stores", "key": "store-a", "mode": "required"}
        ).status_code
        == 302
    )
    assert in_transaction(engine, staff.capture_modes)["stores"] == {"store-a": "required"}
    page = manager.get("/backoffice/cashiers/?lang=en").get_data(as_text=True)
    assert re.findall(r'data-store="([^"]+)"', page) == ["store-a"]
    assert 'name="scope" value="default"' not in page and 'id="chain-capture"' in page


def test_a_manager_lists_and_opens_only_their_devices(manager, loaded):
    listing = manager.get("/backoffice/devices/").get_data(as_text=True)
    assert re.findall(r'<tr data-id="([^"]+)"', listing) == ["store-a"]
    page = manager.get("/backoffice/devices/store-a?lang=en").get_data(as_text=True)
    assert "Outstanding points (chain)" not in page and "Points earned" in page


def test_the_daily_summary_of_a_managers_store(manager, office, loaded):
    day = [e for e in loaded if e.day == "2026-11-02" and e.device_id == "store-a"]
    text = manager.get("/backoffice/reports/daily.txt?store=store-a&day=2026-11-02&lang=en").get_data(as_text=True)
    figures = {line[:30].strip(): line[30:].strip() for line in text.splitlines()[2:]}
    assert figures["Points earned"] == str(sum(e.points for e in day if isinstance(e, PointsEarned)))
    assert "Outstanding points (chain)" not in figures
    chain = office.get("/backoffice/reports/daily.txt?store=store-a&day=2026-11-02&lang=en").get_data(as_text=True)
    chain_figures = {line[:30].strip(): line[30:].strip() for line in chain.splitlines()[2:]}
    upto = Ledger.fold([e for e in loaded if e.day <= "2026-11-02"])
    assert chain_figures["Outstanding points (chain)"] == str(sum(b for b in upto.balances.values() if b > 0))
    assert chain_figures["Points earned"] == figures["Points earned"]


def test_a_manager_with_no_store_sees_no_store(no_store, loaded):
    for path in ("/backoffice/?lang=en", "/backoffice/reports/", "/backoffice/devices/"):
        page = no_store.get(path).get_data(as_text=True)
        assert 'id="no-store"' in page and "ask head office" in page
        assert 'id="points-earned"' not in page and 'data-id="store-a"' not in page
    for name in CSVS:
        assert no_store.get(f"/backoffice/reports/{name}.csv").status_code == 403
    assert no_store.get("/backoffice/reports/daily.txt?store=store-a").status_code == 403
    assert no_store.get("/backoffice/devices/store-a").status_code == 403
    cashiers = no_store.get("/backoffice/cashiers/").get_data(as_text=True)
    assert "data-store=" not in cashiers and 'id="no-store"' in cashiers


def test_head_office_sees_every_store(office, loaded):
    page = office.get("/backoffice/reports/").get_data(as_text=True)
    assert {key: _figure(page, key) for key in _expected(loaded, None)} == _expected(loaded, None)
    ledger = Ledger.fold(loaded)
    assert _figure(page, "points-outstanding") == sum(b for b in ledger.balances.values() if b > 0)
    assert _keys(page, "capture-stores") == {"store-a", "store-b"} and 'id="channels"' in page
    one = office.get("/backoffice/reports/?store=store-b").get_data(as_text=True)
    assert {key: _figure(one, key) for key in _expected(loaded, "store-b")} == _expected(loaded, "store-b")
    [summary] = _csv(office.get("/backoffice/reports/summary.csv?store=store-b&variant=data"))
    assert int(summary["points_earned"]) == _expected(loaded, "store-b")["points-earned"]
    listing = office.get("/backoffice/devices/").get_data(as_text=True)
    assert re.findall(r'<tr data-id="([^"]+)"', listing) == ["store-a", "store-b"]
    assert office.get("/backoffice/devices/store-b").status_code == 200
    assert office.get("/backoffice/reports/channels.csv").status_code == 200


def test_stores_are_read_at_each_request(manager, engine, loaded):
    assert manager.get("/backoffice/devices/store-b").status_code == 403
    in_transaction(engine, lambda c: store_assignments.set_stores(c, "anna", "marc", ["store-b"]))
    assert manager.get("/backoffice/devices/store-b").status_code == 200
    assert manager.get("/backoffice/devices/store-a").status_code == 403


def test_head_office_changes_a_managers_stores_audited_with_ids(office, manager, engine, loaded):
    page = office.get("/backoffice/users/?lang=en").get_data(as_text=True)
    assert re.findall(r'<tr data-id="([^"]+)"', page) == ["anna", "marc"]
    response = office.post("/backoffice/users/marc/stores", {"store": ["store-a", "store-b"]})
    assert response.status_code == 302
    assert in_transaction(engine, lambda c: store_assignments.stores_of(c, "marc")) == {"store-a", "store-b"}
    trail = office.get("/backoffice/audit?lang=en").get_data(as_text=True)
    assert "user.stores" in trail and "user marc" in trail
    from central.backoffice import audit

    entry = in_transaction(engine, lambda c: audit.recent(c, 1))[0]
    assert (entry.actor, entry.action, entry.before, entry.after) == (
        "anna",
        "user.stores",
        ["store-a"],
        ["store-a", "store-b"],
    )
    assert manager.get("/backoffice/users/").status_code == 403
    assert manager.post("/backoffice/users/marc/stores", {"store": ["store-b"]}).status_code == 403


@pytest.mark.parametrize(
    "user, stores, status, message",
    [
        ("marc", ["store-a", "nowhere"], 400, "no device nowhere"),
        ("marc", ["bad id!"], 400, "device_id must be"),
        ("anna", ["store-a"], 400, "head office sees every store"),
        ("nobody", ["store-a"], 404, "no back-office user nobody"),
    ],
)
def test_bad_store_assignments_change_nothing(office, engine, loaded, user, stores, status, message):
    before = in_transaction(engine, store_assignments.all_assignments)
    response = office.post(f"/backoffice/users/{user}/stores", {"store": stores})
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert in_transaction(engine, store_assignments.all_assignments) == before
    assert json.dumps(before, default=sorted) == json.dumps({"marc": ["store-a"]})
