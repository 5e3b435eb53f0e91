"""LEDs and buzzer patterns with gpiozero's MockFactory: pins from config, distinct patterns."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.config import HardwareConfig
from hardware.errors import HardwareError, InvalidDeviceCommand
from hardware.signals import PATTERNS, SignalLights
from tests.waiting import wait_until

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


def beep_lengths(pin):
    """Seconds the pin stayed high each time, from the times gpiozero's mock pin recorded."""
    states = pin.states
    return [
        after.timestamp - before.timestamp
        for before, after in zip(states, states[1:], strict=False)
        if before.state and not after.state
    ]


def test_pins_come_from_config(lights, factory):
    lights.signal("ready")
    assert factory.pin(5).state is True
    assert lights.states() == {"ready": True, "ok": False, "error": False, "buzzer": False}


def test_success_is_ok_led_and_one_short_beep(lights, factory):
    lights.signal("success")
    assert factory.pin(6).state is True
    wait_until(lambda: levels(factory.pin(19)) == [False, True, False], 2)
    assert beep_lengths(factory.pin(19)) == [pytest.approx(PATTERNS["success"].beep_on, abs=0.1)]
    assert factory.pin(13).state is False


def test_unknown_card_is_two_beeps_and_blinking_error_led(lights, factory):
    lights.signal("unknown_card")
    wait_until(lambda: levels(factory.pin(19)) == [False, True, False, True, False], 2)
    wait_until(lambda: levels(factory.pin(13))[:4] == [False, True, False, True], 2)


def test_error_is_one_long_beep(lights, factory):
    lights.signal("error")
    wait_until(lambda: levels(factory.pin(19)) == [False, True, False], 2)
    long_beep = PATTERNS["error"].beep_on
    assert long_beep >= 4 * PATTERNS["success"].beep_on
    assert beep_lengths(factory.pin(19)) == [pytest.approx(long_beep, abs=0.1)]


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
