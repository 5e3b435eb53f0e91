"""LEDs and buzzer patterns with gpiozero's MockFactory: pins from config, distinct patterns."""

from __future__ import annotations

import time

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.signals import PATTERNS, SignalLights
from kiosk.config import HardwareConfig
from kiosk.errors import HardwareError, InvalidDeviceCommand

CONFIG = HardwareConfig(led_ready_pin=5, led_ok_pin=6, led_error_pin=13, buzzer_pin=19)


@pytest.fixture
def factory():
    return MockFactory()


@pytest.fixture
def lights(factory):
    with SignalLights(CONFIG, pin_factory=factory) as lights:
        yield lights


def levels(pin):
    return [s.state for s in pin.states]


def test_pins_come_from_config(lights, factory):
    lights.signal("ready")
    assert factory.pin(5).state is True
    assert lights.states() == {"ready": True, "ok": False, "error": False, "buzzer": False}


def test_success_is_ok_led_and_one_short_beep(lights, factory):
    lights.signal("success")
    assert factory.pin(6).state is True
    time.sleep(0.25)
    assert levels(factory.pin(19)) == [False, True, False]
    assert factory.pin(13).state is False


def test_unknown_card_is_two_beeps_and_blinking_error_led(lights, factory):
    lights.signal("unknown_card")
    time.sleep(0.5)
    assert levels(factory.pin(19)) == [False, True, False, True, False]
    assert levels(factory.pin(13))[:4] == [False, True, False, True]


def test_error_is_one_long_beep(lights, factory):
    lights.signal("error")
    time.sleep(0.3)
    assert factory.pin(19).state is True  # still sounding: a long beep
    time.sleep(0.5)
    assert levels(factory.pin(19)) == [False, True, False]


def test_patterns_are_distinct():
    shapes = {(p.led, p.led_n, p.beeps, p.beep_on) for p in PATTERNS.values()}
    assert len(shapes) == len(PATTERNS)


def test_unknown_pattern_is_refused(lights):
    with pytest.raises(InvalidDeviceCommand, match="unknown signal"):
        lights.signal("party")


def test_pin_in_use_is_a_hardware_error(factory):
    clash = HardwareConfig(led_ready_pin=5, led_ok_pin=5)
    with pytest.raises(HardwareError, match="cannot drive the LEDs"):
        SignalLights(clash, pin_factory=factory)


def test_close_is_idempotent(factory):
    lights = SignalLights(CONFIG, pin_factory=factory)
    lights.close()
    lights.close()
    lights.signal("success")  # ignored once closed
    assert lights.states() == {}


def test_emulated_pins_remember_only_their_latest_level_changes(tmp_path):
    from hardware.devices import choose_devices
    from hardware.emulators import KEEP_PIN_STATES

    devices = choose_devices(HardwareConfig(mode="emulated"), tmp_path)
    try:
        with SignalLights(CONFIG, pin_factory=devices.pin_factory) as lights:
            led = lights.leds["ok"]
            for _ in range(10 * KEEP_PIN_STATES):  # a tap blinks it: a day of taps must not pile up
                led.on()
                led.off()
            led.on()
            pin = devices.pin_factory.pin(CONFIG.led_ok_pin)
            assert len(pin.states) == KEEP_PIN_STATES
            assert levels(pin)[-3:] == [True, False, True]
    finally:
        devices.emulators.close()
