"""Pi mode reader opening: RPi.GPIO unusable (Pi 5, or not a Pi) → reset pin through gpiozero (lgpio)."""

from __future__ import annotations

import sys
import types

import gpiozero
import pytest
from gpiozero.pins.mock import MockFactory

from hardware.config import HardwareConfig
from hardware.devices import open_pi_reader
from hardware.errors import ReaderError, ResetPinRefused
from hardware.rfid.emulated import EmulatedReaderBoard
from hardware.rfid.lookalikes import gpio_module, load_mfrc522
from hardware.rfid.reader import Mfrc522Link


@pytest.fixture
def mock_pins():
    previous = gpiozero.Device.pin_factory
    gpiozero.Device.pin_factory = MockFactory()
    yield gpiozero.Device.pin_factory
    gpiozero.Device.pin_factory.close()
    gpiozero.Device.pin_factory = previous


def pi5_rpi_gpio():
    """RPi.GPIO on a Pi 5: it imports, then refuses every pin."""

    def refuse(pin, level):
        raise RuntimeError("Cannot determine SOC peripheral base address")

    return gpio_module(refuse)


@pytest.mark.parametrize("rpi_gpio", [None, "pi5"])
def test_reset_pin_goes_through_gpiozero_when_rpi_gpio_cannot(monkeypatch, mock_pins, rpi_gpio):
    board = EmulatedReaderBoard(bus=0, device=1)
    monkeypatch.setitem(sys.modules, "spidev", board.spi_bus.spidev_module())
    module = pi5_rpi_gpio() if rpi_gpio else None  # None: the import fails
    monkeypatch.setitem(sys.modules, "RPi.GPIO", module)
    if module is not None:
        rpi = types.ModuleType("RPi")
        rpi.GPIO = module
        monkeypatch.setitem(sys.modules, "RPi", rpi)
    link = open_pi_reader(HardwareConfig(reader_spi_bus=0, reader_spi_device=1, reader_reset_pin=24))
    assert link.healthy()
    pin = mock_pins.pin(24)
    link.reinit()
    assert [s.state for s in pin.states][-3:] == [True, False, True]
    board.present("04A1B2C3D4E5F6")
    assert link.read_uid() == bytes.fromhex("04A1B2C3D4E5F6")
    link.close()
    assert pin.function == "input"  # released for the next open


def test_rpi_gpio_refusing_the_reset_pin_is_its_own_error():
    board = EmulatedReaderBoard(bus=0, device=1)
    package = load_mfrc522(pi5_rpi_gpio(), board.spi_bus.spidev_module())
    with pytest.raises(ResetPinRefused, match="refused the reset pin"):
        Mfrc522Link(package, 0, 1, 24)


def test_missing_spi_device_on_a_pi(monkeypatch, mock_pins):
    board = EmulatedReaderBoard()
    board.unplug()
    monkeypatch.setitem(sys.modules, "spidev", board.spi_bus.spidev_module())
    monkeypatch.setitem(sys.modules, "RPi.GPIO", None)
    with pytest.raises(ReaderError, match="dtparam=spi=on"):
        open_pi_reader(HardwareConfig())
    assert mock_pins.pin(25).function == "input"  # the reset pin was given back


def test_reopening_an_absent_reader_says_the_fallback_once(monkeypatch, mock_pins, caplog):
    import hardware.devices

    monkeypatch.setattr(hardware.devices, "_FALLBACK_SAID", set(), raising=False)  # as in a fresh service process
    board = EmulatedReaderBoard()
    board.unplug()  # no reader: the reader thread reopens it every 2 s, all day
    monkeypatch.setitem(sys.modules, "spidev", board.spi_bus.spidev_module())
    monkeypatch.setitem(sys.modules, "RPi.GPIO", None)
    caplog.set_level("INFO", logger="hardware.devices")
    for _ in range(5):
        with pytest.raises(ReaderError):
            open_pi_reader(HardwareConfig())
    said = [r.getMessage() for r in caplog.records if "RPi.GPIO unusable" in r.getMessage()]
    assert len(said) == 1, said
