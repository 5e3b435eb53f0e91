"""`kiosk test-reader` and `kiosk test-printer` through the running service and on devices opened directly."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from device.service_lock import ServiceLock
from kiosk.cli import main
from kiosk.reader_test import follow_taps
from tests.waiting import wait_until


def test_test_printer_with_the_service_stopped_prints_on_the_emulator(cli_config):
    result = CliRunner().invoke(main, ["test-printer"])
    assert result.exit_code == 0, result.output
    assert "test page printed on the printer opened here" in result.output
    ServiceLock(cli_config.data_dir).acquire().release()  # the command let go of the lock


def test_test_printer_through_the_running_service(running_service):
    result = CliRunner().invoke(main, ["test-printer"])
    assert result.exit_code == 0, result.output
    assert "through the running service" in result.output
    texts = running_service.service.devices.emulators.receipt_texts()
    assert any("Test page" in text and "till-9" in text for text in texts)


def test_test_printer_out_of_paper_names_the_fix(running_service):
    running_service.service.devices.emulators.paper_out()
    result = CliRunner().invoke(main, ["test-printer", "--wait", "2"])
    assert result.exit_code == 5
    assert "did not print" in result.output and "load a new paper roll" in result.output


def test_test_reader_follows_taps_through_the_running_service(running_service):
    emulators = running_service.service.devices.emulators
    bus = running_service.service.bus
    listening = bus.subscriber_count

    def tap_soon():  # once the command follows the service's event stream
        wait_until(lambda: bus.subscriber_count > listening, 10)
        emulators.present_card("04A1B2C3")

    threading.Thread(target=tap_soon, daemon=True).start()
    result = CliRunner().invoke(main, ["test-reader", "--taps", "1", "--seconds", "10"])
    assert result.exit_code == 0, result.output
    assert "card tapped:  UID 04A1B2C3" in result.output and "stopped: 1 tap(s) seen" in result.output


def test_test_reader_opens_the_reader_when_the_service_is_stopped(cli_config):
    lines: list[str] = []
    seen = follow_taps(
        cli_config,
        taps=1,
        seconds=10,
        echo=lines.append,
        on_ready=lambda devices: devices.emulators.present_card("04DEADBEEF0102"),
    )
    assert seen == 1
    assert any(line.startswith("devices: ") and "reader ok" in line for line in lines)
    assert "card tapped:  UID 04DEADBEEF0102" in lines


def test_test_reader_stops_after_its_time_without_taps(cli_config):
    result = CliRunner().invoke(main, ["test-reader", "--seconds", "0.5"])
    assert result.exit_code == 0, result.output
    assert "reader opened here" in result.output and "stopped: 0 tap(s) seen" in result.output


def test_device_tests_refuse_while_another_command_holds_the_devices(cli_config):
    with ServiceLock(cli_config.data_dir).acquire(holder="test-reader"):
        result = CliRunner().invoke(main, ["test-printer"])
    assert result.exit_code == 8
    assert "another kiosk command (test-reader, pid" in result.output and "wait for it to finish" in result.output


def test_a_service_whose_api_does_not_answer_names_the_fix(cli_config):
    with ServiceLock(cli_config.data_dir).acquire(holder="service"):  # nothing listens on web.port
        result = CliRunner().invoke(main, ["test-printer"])
    assert result.exit_code == 9 and "sudo systemctl restart kiosk" in result.output
