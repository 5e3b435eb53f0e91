"""Enrolment codes are one-time; tokens are per device and a revoked device is refused at once."""

from __future__ import annotations


def _code(client, admin, device_id="till-1"):
    response = client.post("/api/admin/devices", json={"device_id": device_id, "name": "Till"}, headers=admin)
    assert response.status_code == 201
    return response.json["code"]


def test_code_gives_a_token_once(client, admin):
    code = _code(client, admin)
    first = client.post("/api/enrol", json={"device_id": "till-1", "code": code})
    assert first.status_code == 200 and first.json["token"]
    again = client.post("/api/enrol", json={"device_id": "till-1", "code": code})
    assert again.status_code == 403 and "not valid" in again.json["message"]


def test_code_is_bound_to_its_device(client, admin):
    code = _code(client, admin, "till-1")
    _code(client, admin, "till-2")
    assert client.post("/api/enrol", json={"device_id": "till-2", "code": code}).status_code == 403


def test_every_sync_call_needs_a_valid_token(client):
    assert client.get("/api/sync/pull").status_code == 401
    response = client.get("/api/sync/pull", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert client.post("/api/sync/push", json={"events": []}).status_code == 401


def test_revoked_device_is_refused_at_once(client, admin):
    token = client.post("/api/enrol", json={"device_id": "till-1", "code": _code(client, admin)}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/sync/pull", headers=headers).status_code == 200
    assert client.post("/api/admin/devices/till-1/revoke", headers=admin).status_code == 200
    assert client.get("/api/sync/pull", headers=headers).status_code == 401
    devices = client.get("/api/admin/devices", headers=admin).json["devices"]
    assert devices[0]["device_id"] == "till-1" and devices[0]["revoked"] is True


def test_re_enrolling_replaces_the_old_token(client, admin):
    old = client.post("/api/enrol", json={"device_id": "till-1", "code": _code(client, admin)}).json["token"]
    new = client.post("/api/enrol", json={"device_id": "till-1", "code": _code(client, admin)}).json["token"]
    assert client.get("/api/sync/pull", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/sync/pull", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_admin_api_needs_the_admin_token(client):
    assert client.get("/api/admin/devices").status_code == 401
    assert client.get("/api/admin/devices", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_admin_api_is_closed_without_a_configured_token(sqlite_url):
    from central import create_app

    client = create_app(sqlite_url).test_client()
    response = client.get("/api/admin/devices", headers={"Authorization": "Bearer "})
    assert response.status_code == 401 and "CENTRAL_ADMIN_TOKEN" in response.json["message"]


def test_codes_are_easy_to_type_and_forgive_case_and_spacing(client, admin):
    from central.devices import CODE_ALPHABET

    codes = [_code(client, admin, f"till-{n}") for n in range(20)]
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4] and set("".join(groups)) <= set(CODE_ALPHABET)
    typed = codes[3].lower().replace("-", " ")
    assert client.post("/api/enrol", json={"device_id": "till-3", "code": typed}).status_code == 200


def test_a_device_that_only_pulls_is_seen_and_frequent_pulls_write_it_once_a_minute(make_device, engine):
    from central import devices as device_registry
    from central.transactions import in_transaction

    def seen():
        return {d.device_id: d.last_seen_at for d in in_transaction(engine, device_registry.list_devices)}["till-1"]

    device = make_device("till-1")
    assert seen() is None
    device.pull()
    first = seen()
    assert first is not None
    device.pull()
    assert seen() == first  # a pull within the minute writes nothing
    in_transaction(engine, lambda c: device_registry.note_seen(c, "till-1"))
    assert seen() > first
