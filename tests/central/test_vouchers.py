"""Partner voucher pools: CSV import, one code per redemption, never the same code twice, export."""

from __future__ import annotations

import threading
import uuid

from central import create_app
from central.embedded import enrol_device
from tests.central.conftest import ADMIN_TOKEN


def _import(client, admin, partner, text):
    return client.post(f"/api/admin/partners/{partner}/codes", data=text, content_type="text/csv", headers=admin)


def _issue(client, headers, partner="holiday", redemption=None):
    return client.post(
        "/api/vouchers/issue",
        headers=headers,
        json={"partner": partner, "customer_id": "c1", "redemption_event_id": redemption or str(uuid.uuid4())},
    )


def test_import_counts_new_and_known_codes(client, admin):
    assert _import(client, admin, "holiday", "code,face_value_cents\nA1,2000\nA2,2000\n").json["added"] == 2
    again = _import(client, admin, "holiday", "code,face_value_cents\nA2,2000\nA3,2000\n").json
    assert (again["added"], again["already_present"]) == (1, 1)
    assert client.get("/api/admin/partners/holiday/pool", headers=admin).json == {
        "partner": "holiday",
        "free": 3,
        "issued": 0,
    }


def test_a_bad_line_imports_nothing(client, admin):
    response = _import(client, admin, "holiday", "code,face_value_cents\nB1,2000\nB2,lots\n")
    assert response.status_code == 400 and "line 3" in response.json["message"]
    assert client.get("/api/admin/partners/holiday/pool", headers=admin).json["free"] == 0
    assert _import(client, admin, "holiday", "no header\n").status_code == 400


def test_same_redemption_same_code_and_empty_pool_is_409(client, admin, make_device):
    device = make_device()
    _import(client, admin, "holiday", "code,face_value_cents\nC1,2000\n")
    redemption = str(uuid.uuid4())
    first = _issue(client, device.headers, redemption=redemption)
    assert first.status_code == 200 and first.json["code"] == "C1"
    assert _issue(client, device.headers, redemption=redemption).json["code"] == "C1"
    empty = _issue(client, device.headers)
    assert empty.status_code == 409 and "no holiday voucher code is left" in empty.json["message"]


def test_export_lists_issued_codes_only(client, admin, make_device):
    device = make_device()
    _import(client, admin, "home", "code,face_value_cents\nH1,1500\nH2,1500\n")
    code = _issue(client, device.headers, partner="home").json["code"]
    response = client.get("/api/admin/partners/home/issued", headers=admin)
    lines = response.text.strip().splitlines()
    assert response.mimetype == "text/csv" and len(lines) == 2
    assert lines[0] == "code,face_value_cents,issued_at,device_id,redemption_event_id"
    assert lines[1].startswith(f"{code},1500,") and ",till-1," in lines[1]
    assert client.get("/api/admin/partners/nobody/issued", headers=admin).status_code == 404


def test_two_instances_never_issue_the_same_code(database_url):
    apps = [create_app(database_url, admin_token=ADMIN_TOKEN) for _ in range(2)]
    engine = apps[0].extensions["central.engine"]
    codes = "\n".join(f"P{n:03d},1000" for n in range(60))
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert _import(apps[0].test_client(), admin, "holiday", "code,face_value_cents\n" + codes).json["added"] == 60
    tokens = [enrol_device(engine, f"till-{n}") for n in range(4)]
    issued, failures = [], []

    def till(n: int) -> None:
        client = apps[n % 2].test_client()
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        for _ in range(20):
            response = _issue(client, headers)
            (issued if response.status_code == 200 else failures).append(
                response.json.get("code") or response.json["message"]
            )

    threads = [threading.Thread(target=till, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(issued) == 60 and len(set(issued)) == 60
    assert len(failures) == 20 and all("no holiday voucher code is left" in f for f in failures)
    for app in apps:
        app.extensions["central.engine"].dispose()
