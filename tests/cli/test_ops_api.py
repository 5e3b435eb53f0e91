"""The service's local-only operations API: loopback only, POSTs need the ops header."""

from __future__ import annotations

from kiosk.backup import read_backup
from tests.cli.helpers import record_sales


def _client(service):
    from web import create_app

    return create_app(service, {"TESTING": True}).test_client()


def test_ops_refuse_other_addresses_and_posts_without_the_header(service):
    client = _client(service)
    assert client.get("/api/ops/backup", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 403
    assert client.post("/api/ops/sync").status_code == 403
    answer = client.post("/api/ops/sync", headers={"X-Kiosk-Ops": "1"})
    assert answer.status_code == 200 and answer.get_json()["started"] is False  # no central: works alone


def test_ops_backup_is_a_backup_of_this_device(service, config, tmp_path):
    record_sales(service.store, config, 2)
    answer = _client(service).get("/api/ops/backup")
    assert answer.status_code == 200
    path = tmp_path / "b.tgz"
    path.write_bytes(answer.data)
    made = read_backup(path)
    assert made.device_id == "test-till-1" and set(made.files) == {"cache.json", "outbox.jsonl", "outbox.copy.jsonl"}


def test_test_print_without_devices_is_a_clear_error(service):
    answer = _client(service).post("/api/ops/test-print", headers={"X-Kiosk-Ops": "1"})
    assert answer.status_code >= 400
    assert "no printer to test" in answer.get_data(as_text=True)


def test_ops_refuse_a_host_that_is_not_the_loopback(service):
    """A DNS-rebinding page reaches 127.0.0.1 but still names its own host: it reads nothing."""
    client = _client(service)
    for host in ("evil.example:8080", "evil.example", "127.0.0.1.evil.example:8080", "[::2]:8080"):
        assert client.get("/api/ops/backup", headers={"Host": host}).status_code == 403, host
        assert client.post("/api/ops/sync", headers={"Host": host, "X-Kiosk-Ops": "1"}).status_code == 403
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "localhost"):
        assert client.get("/api/ops/backup", headers={"Host": host}).status_code == 200, host


def test_status_api_refuses_a_host_that_is_not_the_loopback(service):
    client = _client(service)
    assert client.get("/api/status", headers={"Host": "evil.example:8080"}).status_code == 403
    assert client.get("/api/status", headers={"Host": "127.0.0.1:8080"}).status_code == 200
