"""Doctor checks fed by the running service's providers, and the report the technician reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from device.config import parse_config
from kiosk.doctor import (
    CheckResult,
    DoctorContext,
    Status,
    SyncState,
    exit_code,
    format_report,
    report_json,
    run_checks,
    service_checks,
)

CONFIG = parse_config({"central": {"url": "https://central.example.org"}, "hardware": {"printer_port": "/dev/ttyUSB0"}})


def _ctx(**providers) -> DoctorContext:
    return DoctorContext(config=CONFIG, root=Path("/nonexistent"), **providers)


def _devices(**states):
    return lambda: {"reader": "ok", "printer": "ok", **states}


@pytest.mark.parametrize(
    "state,status,words",
    [
        ("ok", Status.OK, "answers"),
        ("absent", Status.FAIL, "no card reader found on SPI 0.0"),
        ("silent", Status.FAIL, "does not answer"),
        ("error", Status.FAIL, "does not answer"),
        ("weird", Status.WARN, "unexpected state: weird"),
    ],
)
def test_reader_states(state, status, words):
    result = service_checks.check_reader(_ctx(device_status=_devices(reader=state)))
    assert result.status is status and words in result.message
    if state == "absent":
        assert "GPIO 25" in result.fix


@pytest.mark.parametrize(
    "state,status,words",
    [
        ("ok", Status.OK, "ready"),
        ("absent", Status.FAIL, "does not answer on /dev/ttyUSB0"),
        ("offline", Status.FAIL, "does not answer on /dev/ttyUSB0"),
        ("paper_out", Status.FAIL, "out of paper"),
        ("paper_near_end", Status.WARN, "nearly finished"),
        ("cover_open", Status.FAIL, "cover is open"),
        ("error", Status.FAIL, "reports: error"),
    ],
)
def test_printer_states(state, status, words):
    result = service_checks.check_printer(_ctx(device_status=_devices(printer=state)))
    assert result.status is status and words in result.message
    if state == "paper_out":
        assert "paper roll" in result.fix


def test_device_status_objects_with_a_state_attribute_are_understood():
    @dataclass(frozen=True)
    class DeviceStatus:
        state: str
        detail: str = ""

    ctx = _ctx(device_status=lambda: {"reader": DeviceStatus("silent"), "printer": DeviceStatus("ok")})
    assert service_checks.check_reader(ctx).status is Status.FAIL
    assert service_checks.check_printer(ctx).status is Status.OK


def test_device_not_reported():
    result = service_checks.check_printer(_ctx(device_status=lambda: {"reader": "ok"}))
    assert result.status is Status.WARN and "reports no receipt printer" in result.message


def test_service_not_reachable_is_a_warning_not_a_crash():
    def broken():
        raise ConnectionRefusedError("connection refused")

    ctx = _ctx(device_status=broken, sync_state=broken, store_problems=broken)
    assert service_checks.check_reader(ctx).status is Status.WARN
    assert "did not answer (connection refused)" in service_checks.check_central(ctx).message
    assert service_checks.check_store(ctx).status is Status.FAIL


def test_without_providers_each_check_says_it_did_not_look():
    ctx = _ctx()
    for check in (
        service_checks.check_reader,
        service_checks.check_printer,
        service_checks.check_central,
        service_checks.check_store,
    ):
        result = check(ctx)
        assert result.status is Status.WARN and result.message.startswith("not checked")


def test_central_unreachable():
    ctx = _ctx(sync_state=lambda: SyncState(reachable=False, last_error="timed out after 10 s"))
    result = service_checks.check_central(ctx)
    assert result.status is Status.FAIL
    assert result.message.startswith("cannot reach the central server https://central.example.org (timed out")
    assert "curl" in result.fix and "https://central.example.org" in result.fix


def test_central_token_revoked():
    ctx = _ctx(sync_state=lambda: SyncState(reachable=True, token_revoked=True, last_error="401"))
    result = service_checks.check_central(ctx)
    assert result.status is Status.FAIL and "token was revoked" in result.message
    assert "enrolment code" in result.fix


def test_central_reachable_and_standalone():
    assert service_checks.check_central(_ctx(sync_state=lambda: SyncState(True))).status is Status.OK
    alone = DoctorContext(config=parse_config({}), root=Path("/nonexistent"))
    result = service_checks.check_central(alone)
    assert result.status is Status.OK and "works alone" in result.message


def test_store_corrupt():
    ctx = _ctx(store_problems=lambda: ("cache.json: not valid JSON at byte 812", "outbox segment 3 truncated"))
    result = service_checks.check_store(ctx)
    assert result.status is Status.FAIL
    assert result.message == (
        "the local store is damaged: cache.json: not valid JSON at byte 812; outbox segment 3 truncated"
    )
    assert result.fix.startswith("sudo systemctl restart kiosk")
    assert service_checks.check_store(_ctx(store_problems=lambda: ())).status is Status.OK


RESULTS = [
    CheckResult("spi", Status.OK, "SPI is on"),
    CheckResult("printer", Status.FAIL, "the receipt printer is out of paper", "load a new roll"),
    CheckResult("clock", Status.WARN, "the clock drifts", "sudo timedatectl set-ntp true"),
]


def test_text_report_names_fault_and_fix():
    assert format_report(RESULTS).splitlines() == [
        "[ok  ] spi      SPI is on",
        "[FAIL] printer  the receipt printer is out of paper",
        "                fix: load a new roll",
        "[WARN] clock    the clock drifts",
        "                fix: sudo timedatectl set-ntp true",
        "1 failed, 1 warnings, 1 ok: problems found",
    ]


def test_json_report_and_exit_code():
    data = json.loads(report_json(RESULTS))
    assert data["ok"] is False
    assert data["checks"][1] == {
        "name": "printer",
        "status": "fail",
        "message": "the receipt printer is out of paper",
        "fix": "load a new roll",
    }
    assert exit_code(RESULTS) == 1
    assert exit_code([r for r in RESULTS if r.status is not Status.FAIL]) == 0
    assert json.loads(report_json(RESULTS[:1]))["ok"] is True


def test_run_checks_entry_point_on_a_fake_root(pi_root):
    results = run_checks(
        CONFIG.__class__(), root=pi_root, device_status=_devices(printer="paper_out"), store_problems=lambda: ()
    )
    by_name = {r.name: r for r in results}
    assert by_name["printer"].status is Status.FAIL
    assert by_name["spi"].status is Status.OK
    assert exit_code(results) == 1


def test_central_answering_without_checking_this_device_is_a_warning():
    ctx = _ctx(sync_state=lambda: SyncState(reachable=True, last_error="cannot read this device's token"))
    result = service_checks.check_central(ctx)
    assert result.status is Status.WARN and "token" in result.message and "sudo" in result.fix
