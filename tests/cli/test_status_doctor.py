"""`kiosk status` and `kiosk doctor`, with the service running (its API) and stopped (files and devices)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from device.store import Store
from kiosk.cli import main
from kiosk.doctor.providers import sync_state_from
from kiosk.service import store_dir
from tests.cli.helpers import record_sales
from tests.waiting import wait_until


def test_status_with_the_service_stopped_reads_a_copy_of_the_store(cli_config):
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 3)
    files_before = {p.name: p.read_bytes() for p in store_dir(cli_config).iterdir()}
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    assert "service:        stopped (start it: sudo systemctl start kiosk)" in result.output
    assert "pending events: 3" in result.output and "customers:      5, cards: 5" in result.output
    assert "disk:" in result.output and "sync:           alone" in result.output
    assert {p.name: p.read_bytes() for p in store_dir(cli_config).iterdir()} == files_before


def test_status_json_with_the_service_running(running_service, cli_config):
    record_sales(running_service.service.store, cli_config, 2)
    result = CliRunner().invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["service_running"] is True and report["pending"] == 2
    assert report["devices"]["reader"] == "ok" and report["devices"]["printer"] == "ok"
    assert report["sync"]["state"] == "alone" and report["disk"]["total"] > 0
    assert report["version"] and report["device_id"] == "till-9"


def test_status_names_the_fix_when_the_service_does_not_answer(cli_config):
    from device.service_lock import ServiceLock

    with ServiceLock(cli_config.data_dir).acquire(holder="service"):  # running, but nothing on web.port
        result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 9
    assert "sudo systemctl restart kiosk" in result.output


def _doctor(*args):
    result = CliRunner().invoke(main, ["doctor", "--json", *args])
    return result, {c["name"]: c for c in json.loads(result.output)["checks"]}


def test_doctor_with_the_service_running_asks_it(running_service):
    running_service.service.devices.emulators.paper_out()
    wait_until(lambda: running_service.service.device_states().get("printer") == "paper_out", 5)
    result, checks = _doctor()
    assert result.exit_code == 1
    assert checks["printer"]["status"] == "fail" and "out of paper" in checks["printer"]["message"]
    assert "paper roll" in checks["printer"]["fix"]
    assert checks["reader"]["status"] == "ok" and checks["store"]["status"] == "ok"
    assert checks["central"]["status"] == "ok"


def test_doctor_with_the_service_stopped_opens_the_devices(cli_config):
    result, checks = _doctor()
    assert checks["reader"]["status"] == "ok" and checks["printer"]["status"] == "ok"
    assert checks["store"]["status"] == "ok" and checks["spi"]["status"] == "ok"
    assert result.exit_code == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)


def test_doctor_names_a_corrupt_store(cli_config):
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 2)
    journal = store_dir(cli_config) / "outbox.jsonl"
    lines = journal.read_bytes().split(b"\n")
    lines[1] = b"00000000 " + lines[1][9:]  # a middle line fails its CRC
    journal.write_bytes(b"\n".join(lines))
    result, checks = _doctor()
    assert result.exit_code == 1
    assert checks["store"]["status"] == "fail" and "damaged" in checks["store"]["message"]
    assert "sudo systemctl restart kiosk" in checks["store"]["fix"]
    assert journal.read_bytes() == b"\n".join(lines)  # the doctor only looked, on a copy


def test_doctor_text_report_has_a_fix_per_fault(cli_config):
    result = CliRunner().invoke(main, ["doctor"])
    assert "failed," in result.output and "warnings," in result.output
    for line in result.output.splitlines():
        if line.startswith("[FAIL]"):
            index = result.output.splitlines().index(line)
            assert "fix:" in result.output.splitlines()[index + 1]


def test_sync_states_become_the_doctors_view():
    url = "http://central.invalid"
    assert sync_state_from({"state": "not_enrolled", "last_error": "x"}, url).token_revoked
    assert sync_state_from({"state": "idle"}, url).reachable
    offline = sync_state_from({"state": "offline", "last_error": "connection refused"}, url)
    assert not offline.reachable and offline.last_error == "connection refused"
    assert not sync_state_from({"state": "never_synced"}, "http://127.0.0.1:9").reachable


def test_doctor_reports_devices_that_cannot_be_opened(cli_config, monkeypatch):
    import hardware
    from hardware.errors import ReaderError

    def refuse(*args, **kwargs):
        raise ReaderError("cannot open /dev/spidev0.0: permission denied")

    monkeypatch.setattr(hardware, "build_devices", refuse)
    result, checks = _doctor()
    assert checks["reader"]["status"] == "warn" and "permission denied" in checks["reader"]["message"]
    assert checks["store"]["status"] == "ok"
