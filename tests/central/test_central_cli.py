"""`kiosk central ...`: register, revoke and seed through the command line."""

from __future__ import annotations

from click.testing import CliRunner

from central import create_app
from central.cli import central


def test_add_device_code_enrols_and_revoke_refuses(sqlite_url):
    runner = CliRunner()
    added = runner.invoke(central, ["--database-url", sqlite_url, "add-device", "till-3", "--name", "Till 3"])
    assert added.exit_code == 0
    client = create_app(sqlite_url).test_client()
    token = client.post("/api/enrol", json={"device_id": "till-3", "code": added.output.strip()}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/sync/pull", headers=headers).status_code == 200
    assert runner.invoke(central, ["--database-url", sqlite_url, "revoke-device", "till-3"]).exit_code == 0
    assert client.get("/api/sync/pull", headers=headers).status_code == 401


def test_bad_input_exits_2_with_a_message(sqlite_url):
    runner = CliRunner()
    bad = runner.invoke(central, ["--database-url", sqlite_url, "add-device", "central"])
    assert bad.exit_code == 2 and "device_id must be" in bad.output
    missing = runner.invoke(central, ["--database-url", sqlite_url, "revoke-device", "nobody"])
    assert missing.exit_code == 2 and "no device" in missing.output


def test_seed_is_idempotent(sqlite_url):
    runner = CliRunner()
    seeded = runner.invoke(central, ["--database-url", sqlite_url, "seed", "--customers", "12"])
    assert "12 demo customers" in seeded.output
    runner.invoke(central, ["--database-url", sqlite_url, "seed", "--customers", "12"])
    client = create_app(sqlite_url, admin_token="a").test_client()
    export = client.get("/api/admin/customers/demo-000003/export", headers={"Authorization": "Bearer a"}).json
    assert len(export["events"]) == 4  # registered, consent, card, earn: once each despite two seeds
