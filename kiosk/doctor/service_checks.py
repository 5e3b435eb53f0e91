"""Checks that ask the running product: card reader, printer and paper, central server, local store."""

from __future__ import annotations

import logging

from device.config import Config, config_path
from kiosk.doctor.context import CheckResult, DoctorContext, Status

logger = logging.getLogger(__name__)

NOT_ASKED_FIX = "sudo systemctl start kiosk; then run kiosk doctor again"


def _device_state(ctx: DoctorContext, device: str, name: str) -> tuple[str | None, CheckResult | None]:
    if ctx.device_status is None:
        return None, CheckResult(
            name, Status.WARN, f"not checked: cannot ask the kiosk service about the {device}", NOT_ASKED_FIX
        )
    try:
        states = ctx.device_status()
    except Exception as exc:  # a provider from the running service: report, never crash the doctor
        logger.warning("device status provider failed: %s", exc)
        return None, CheckResult(
            name,
            Status.WARN,
            f"not checked: the kiosk service did not answer ({exc})",
            "sudo systemctl restart kiosk; then run kiosk doctor again",
        )
    if name not in states:
        return None, CheckResult(
            name, Status.WARN, f"the kiosk service reports no {device}", "check hardware.mode in /etc/kiosk/kiosk.toml"
        )
    value = states[name]
    return str(getattr(value, "state", value)), None


def check_reader(ctx: DoctorContext) -> CheckResult:
    """The MFRC522 card reader must be wired and answering."""
    state, early = _device_state(ctx, "card reader", "reader")
    if early:
        return early
    hw = ctx.config.hardware
    if state == "ok":
        return CheckResult("reader", Status.OK, "the card reader answers")
    if state == "absent":
        return CheckResult(
            "reader",
            Status.FAIL,
            f"no card reader found on SPI {hw.reader_spi_bus}.{hw.reader_spi_device}",
            "power off, then check the reader's wires: 3.3V (not 5V), GND, SDA to CE0, SCK, MOSI, MISO, "
            f"RST to GPIO {hw.reader_reset_pin}",
        )
    if state in ("silent", "error", "offline"):
        return CheckResult(
            "reader",
            Status.FAIL,
            "the card reader is connected but does not answer",
            "sudo systemctl restart kiosk; if it stays silent, reseat the reader's cable or replace the reader",
        )
    return CheckResult(
        "reader", Status.WARN, f"the card reader reports an unexpected state: {state}", "sudo journalctl -u kiosk -n 50"
    )


def check_printer(ctx: DoctorContext) -> CheckResult:
    """The receipt printer must be present, closed and have paper."""
    state, early = _device_state(ctx, "receipt printer", "printer")
    if early:
        return early
    hw = ctx.config.hardware
    if state == "ok":
        return CheckResult("printer", Status.OK, "the receipt printer is ready")
    if state in ("absent", "offline"):
        return CheckResult(
            "printer",
            Status.FAIL,
            f"the receipt printer does not answer on {hw.printer_port}",
            f"check the printer is switched on, its cable is plugged in to {hw.printer_port}, and it runs at "
            f"{hw.printer_baudrate} baud (hardware.printer_baudrate)",
        )
    if state == "paper_out":
        return CheckResult(
            "printer",
            Status.FAIL,
            "the receipt printer is out of paper",
            "open the printer cover and load a new thermal paper roll",
        )
    if state in ("paper_low", "paper_near_end"):
        return CheckResult(
            "printer",
            Status.WARN,
            "the receipt printer's paper roll is nearly finished",
            "keep a new roll next to the printer",
        )
    if state == "cover_open":
        return CheckResult("printer", Status.FAIL, "the receipt printer's cover is open", "close the printer cover")
    return CheckResult(
        "printer",
        Status.FAIL if state == "error" else Status.WARN,
        f"the receipt printer reports: {state}",
        "switch the printer off and on; then sudo journalctl -u kiosk -n 50",
    )


def check_central(ctx: DoctorContext) -> CheckResult:
    """Central must be reachable and accept this device's token."""
    url = ctx.config.central.url
    if not url:
        return CheckResult("central", Status.OK, "no central server configured: this device works alone")
    if ctx.sync_state is None:
        return CheckResult(
            "central", Status.WARN, "not checked: cannot ask the kiosk service about sync", NOT_ASKED_FIX
        )
    try:
        state = ctx.sync_state()
    except Exception as exc:  # a provider from the running service: report, never crash the doctor
        logger.warning("sync state provider failed: %s", exc)
        return CheckResult(
            "central",
            Status.WARN,
            f"not checked: the kiosk service did not answer ({exc})",
            "sudo systemctl restart kiosk; then run kiosk doctor again",
        )
    if state.token_revoked:
        return CheckResult(
            "central",
            Status.FAIL,
            f"the central server {url} refuses this device: its access token was revoked",
            "ask head office for a new enrolment code, then enrol this device again with it",
        )
    if not state.reachable:
        detail = f" ({state.last_error})" if state.last_error else ""
        return CheckResult(
            "central",
            Status.FAIL,
            f"cannot reach the central server {url}{detail}; sales are kept and sent when it is back",
            f"check the network cable or Wi-Fi, then: curl -sS -o /dev/null -w '%{{http_code}}\\n' {url}",
        )
    if state.last_error:  # answered, but this device's check did not go through (token unreadable, refusal)
        return CheckResult(
            "central",
            Status.WARN,
            f"the central server {url} answers, but: {state.last_error}",
            "run kiosk doctor with sudo; if it persists: kiosk sync, then kiosk logs -n 50",
        )
    return CheckResult("central", Status.OK, f"the central server {url} answers")


def check_store(ctx: DoctorContext) -> CheckResult:
    """The local store's files must read cleanly."""
    if ctx.store_problems is None:
        return CheckResult(
            "store", Status.WARN, "not checked: cannot ask the kiosk service about its store", NOT_ASKED_FIX
        )
    try:
        problems = tuple(ctx.store_problems())
    except Exception as exc:  # a provider from the running service: report, never crash the doctor
        logger.warning("store problems provider failed: %s", exc)
        return CheckResult(
            "store",
            Status.FAIL,
            f"the local store could not be read ({exc})",
            "sudo systemctl restart kiosk; then run kiosk doctor again",
        )
    if not problems:
        return CheckResult("store", Status.OK, "the local store reads cleanly")
    owner = store_owner(ctx.config)
    if owner is not None and owner != ctx.config.device.id:
        return CheckResult(
            "store",
            Status.FAIL,
            "the local store is damaged: " + "; ".join(problems),
            f'the store belongs to device {owner} (restored from its backup): set device.id = "{owner}" in '
            f"{config_path()}, then: sudo systemctl restart kiosk",
        )
    return CheckResult(
        "store",
        Status.FAIL,
        "the local store is damaged: " + "; ".join(problems),
        "sudo systemctl restart kiosk (a damaged file is moved aside and rebuilt from central and the unsent "
        "events); if it comes back, check the SD card: sudo dmesg | grep -i mmc",
    )


def store_owner(config: Config) -> str | None:
    """The device id written in the store's outbox header, or None if unreadable."""
    from device.store.journal import journal_owner
    from device.store.outbox_copies import COPY_NAME, JOURNAL_NAME
    from kiosk.service import store_dir

    return journal_owner(store_dir(config) / JOURNAL_NAME) or journal_owner(store_dir(config) / COPY_NAME)
