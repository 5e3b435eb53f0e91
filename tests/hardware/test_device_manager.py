"""The device manager in emulated mode: events end to end, statuses, printing, restarts, closing."""

from __future__ import annotations

import pytest

from hardware import DeviceManager, build_devices
from hardware.config import HardwareConfig
from hardware.errors import InvalidDeviceCommand
from hardware.events import CARD_REMOVED, CARD_TAPPED, OFFLINE, OK, PAPER_OUT, QR_SCANNED
from hardware.printer.journal import PRINTED
from hardware.printer.worker import PrinterSettings, PrintJob
from hardware.rfid.reader import ReaderSettings
from tests.hardware.conftest import wait_turns
from tests.hardware.receipts import earn_receipt
from tests.waiting import wait_until

FAST_READER = ReaderSettings(poll_interval_s=0.02, reinit_interval_s=0.2, reopen_interval_s=0.2)
FAST_PRINTER = PrinterSettings(status_interval_s=0.1, backoff_start_s=0.05, backoff_max_s=0.2)


@pytest.fixture
def manager(tmp_path, recorder):
    config = HardwareConfig(mode="emulated")
    with build_devices(
        config, tmp_path, recorder, reader_settings=FAST_READER, printer_settings=FAST_PRINTER, supervise_interval_s=0.1
    ) as devices:
        recorder.wait_for(
            lambda: all(
                devices.status().get(d) and devices.status()[d].state == OK
                for d in ("reader", "printer", "scanner", "signals")
            )
        )
        yield devices


def test_card_qr_and_print_end_to_end(manager, recorder):
    controls = manager.emulators
    assert controls.present_card("04:a1:b2:c3:d4:e5:f6") == "04A1B2C3D4E5F6"
    recorder.wait_for(lambda: [e.uid for e in recorder.of(CARD_TAPPED)] == ["04A1B2C3D4E5F6"])
    controls.remove_card()
    recorder.wait_for(lambda: recorder.of(CARD_REMOVED))
    controls.scan_qr("https://fidelite.example.org/c/9F3A")
    recorder.wait_for(lambda: [e.payload for e in recorder.of(QR_SCANNED)] == ["https://fidelite.example.org/c/9F3A"])
    job_id = manager.print(earn_receipt())
    assert manager.print(earn_receipt()) == job_id
    recorder.wait_for(lambda: manager.jobs()[0].state == PRINTED)
    assert len(controls.receipts()) == 1 and "Nouveau solde" in controls.receipt_texts()[0]
    manager.print(PrintJob("raw-1", b"\x1b@hello\n\x1dV\x00"))
    recorder.wait_for(lambda: len(controls.receipts()) == 2)
    assert controls.receipt_texts()[1] == "hello"


def test_printer_statuses_follow_the_emulator(manager, recorder):
    controls = manager.emulators
    controls.paper_out()
    recorder.wait_for(lambda: manager.status()["printer"].state == PAPER_OUT)
    controls.paper_back()
    recorder.wait_for(lambda: manager.status()["printer"].state == OK)
    controls.unplug_printer()
    recorder.wait_for(lambda: manager.status()["printer"].state == OFFLINE)
    controls.replug_printer()
    recorder.wait_for(lambda: manager.status()["printer"].state == OK)


def test_signals_drive_the_mock_pins(manager):
    manager.signal("success")
    assert manager.emulators.state()["lights"]["ok"] is True
    with pytest.raises(InvalidDeviceCommand):
        manager.signal("fireworks")


def test_bad_uid_is_refused_with_a_message(manager):
    with pytest.raises(InvalidDeviceCommand, match="hexadecimal"):
        manager.emulators.present_card("not-a-uid")
    with pytest.raises(InvalidDeviceCommand, match="8 hex digits"):
        manager.emulators.present_card("0102")


def test_a_dead_driver_thread_is_restarted(manager, recorder):
    reader = manager.reader
    reader._stop.set()  # make the thread end as if it had crashed...
    reader._thread.join(2)
    reader._stop.clear()  # ...without being closed
    recorder.wait_for(lambda: manager.restarts >= 1 and manager.reader.alive)
    manager.emulators.present_card("DEADBEEF")
    recorder.wait_for(lambda: [e.uid for e in recorder.of(CARD_TAPPED)] == ["DEADBEEF"])


def test_a_stuck_reader_is_replaced(tmp_path, recorder):
    config = HardwareConfig(mode="emulated")
    with DeviceManager(
        config,
        tmp_path,
        recorder,
        reader_settings=ReaderSettings(poll_interval_s=0.02),
        supervise_interval_s=0.1,
        stuck_after_s=0.5,
    ) as manager:
        recorder.wait_for(lambda: manager.status().get("reader") and manager.status()["reader"].state == OK)
        first = manager.reader
        chip = manager.emulators.reader.chip
        chip.slow_s, chip.fault = 1.0, "slow"  # each SPI transfer now hangs for a second
        recorder.wait_for(lambda: manager.reader is not first, timeout=5)
        chip.fault = None
        recorder.wait_for(lambda: manager.status()["reader"].state == OK)
        recorder.wait_for(lambda: not first.alive and first._link is None)  # the stuck one cleaned up
        manager.emulators.present_card("DEADBEEF")
        recorder.wait_for(lambda: [e.uid for e in recorder.of(CARD_TAPPED)] == ["DEADBEEF"])


def test_callback_errors_never_reach_the_loops(tmp_path):
    seen = []

    def broken(event):
        seen.append(event.kind)
        raise ValueError("service bug")

    with DeviceManager(
        HardwareConfig(mode="emulated"), tmp_path, broken, reader_settings=FAST_READER, supervise_interval_s=0.1
    ) as manager:
        manager.emulators.present_card("DEADBEEF")
        wait_until(lambda: CARD_TAPPED in seen, 5)  # the tap reached the callback, which raised
        wait_turns(manager.reader)
        wait_turns(manager)  # and the supervisor looked at the drivers since
        assert manager.reader.alive and manager.printer.alive and manager.restarts == 0


def test_close_is_idempotent_and_frees_the_ports(tmp_path, recorder):
    manager = DeviceManager(HardwareConfig(mode="emulated"), tmp_path, recorder)
    manager.start()
    port = manager.emulators.printer.port
    assert port.exists()
    manager.close()
    manager.close()
    assert manager.closed and not port.exists()
    assert not manager.reader.alive and not manager.printer.alive


@pytest.mark.filterwarnings("ignore::gpiozero.exc.PinFactoryFallback")
def test_pi_mode_without_hardware_reports_absent_devices(tmp_path, recorder):
    config = HardwareConfig(mode="pi", printer_port=str(tmp_path / "no-printer"), reader_spi_bus=9)
    with DeviceManager(
        config, tmp_path, recorder, reader_settings=FAST_READER, printer_settings=FAST_PRINTER
    ) as manager:
        recorder.wait_for(lambda: manager.status().get("reader") and manager.status()["reader"].state == "absent")
        recorder.wait_for(lambda: manager.status()["printer"].state == OFFLINE)
        assert "no-printer" in manager.status()["printer"].detail
        assert manager.status()["scanner"].state == "absent"
        assert manager.emulators is None


def test_lights_busy_at_start_are_retried(tmp_path, recorder):
    config = HardwareConfig(mode="emulated")
    manager = DeviceManager(config, tmp_path, recorder, supervise_interval_s=0.05)
    blocker = manager.devices.pin_factory.pin(config.led_ok_pin)
    from gpiozero import LED

    squatter = LED(config.led_ok_pin, pin_factory=manager.devices.pin_factory)  # someone holds the pin
    manager.lights_retry_s = 0.1
    with manager:
        assert manager.status()["signals"].state == "absent"
        manager.signal("success")  # no lights: nothing happens, nothing raised
        squatter.close()
        recorder.wait_for(lambda: manager.status()["signals"].state == OK)
        manager.signal("success")
        assert blocker.state is True
