"""Checks of the Pi itself: SPI, serial port and console, groups, clock and disk."""

from __future__ import annotations

from pathlib import Path

from device.disk_space import DISK_FULL, FULL_BELOW_BYTES
from kiosk.doctor import pi_files
from kiosk.doctor.context import CheckResult, DoctorContext, Status
from loyalty.domain.business_clock import LARGE_SKEW_S

REQUIRED_GROUPS = {
    "spi": "open the card reader",
    "gpio": "drive the LEDs, the buzzer and the reader's reset pin",
    "dialout": "open the receipt printer's serial port",
}
#: The keyboard-wedge QR scanner is read from its evdev node, which only root and group input may open.
SCANNER_GROUP_USE = "read the keyboard-wedge QR scanner (hardware.scanner_keyboard)"
DISK_FAIL_FREE_PCT, DISK_FAIL_FREE_BYTES = 2, 200 * 1024 * 1024
DISK_WARN_FREE_PCT, DISK_WARN_FREE_BYTES = 10, 1024 * 1024 * 1024


def _emulated(ctx: DoctorContext, name: str) -> CheckResult | None:
    if ctx.config.hardware.mode == "emulated":
        return CheckResult(name, Status.OK, 'not needed: hardware.mode is "emulated"')
    return None


def check_spi(ctx: DoctorContext) -> CheckResult:
    """SPI must be on for the MFRC522 card reader: `dtparam=spi=on` and its /dev/spidev node."""
    if skipped := _emulated(ctx, "spi"):
        return skipped
    hw = ctx.config.hardware
    device = f"/dev/spidev{hw.reader_spi_bus}.{hw.reader_spi_device}"
    if ctx.path(device).exists():
        return CheckResult("spi", Status.OK, f"SPI is on ({device} is present)")
    config_txt = pi_files.boot_file(ctx, "config.txt")
    if config_txt is None:
        return CheckResult(
            "spi",
            Status.FAIL,
            f"{device} is missing and there is no config.txt in /boot/firmware: SPI cannot be turned on here",
            "check this is Raspberry Pi OS on a Raspberry Pi (cat /proc/device-tree/model)",
        )
    text = config_txt.read_text(encoding="utf-8", errors="replace")
    if hw.reader_spi_bus == 0:
        enabled = pi_files.is_on(pi_files.dtparams(text).get("spi"))
    else:
        enabled = any(o.startswith(f"spi{hw.reader_spi_bus}-") for o in pi_files.overlays(text))
    if not enabled:
        return CheckResult(
            "spi",
            Status.FAIL,
            f"SPI is disabled ({_shown(ctx, config_txt)} has no dtparam=spi=on), so the card reader cannot work",
            "sudo raspi-config nonint do_spi 0 && sudo reboot",
        )
    return CheckResult(
        "spi",
        Status.FAIL,
        f"SPI is turned on in {_shown(ctx, config_txt)} but {device} is missing: the Pi has not restarted since",
        "sudo reboot",
    )


def check_serial_port(ctx: DoctorContext) -> CheckResult:
    """A printer on the Pi's UART needs `enable_uart=1` and the /dev/serial0 link."""
    if skipped := _emulated(ctx, "serial_port"):
        return skipped
    port = ctx.config.hardware.printer_port
    if not pi_files.is_uart_port(port):
        return CheckResult("serial_port", Status.OK, f"the printer is on {port}, not on the Pi's UART")
    if ctx.path(port).exists():
        return CheckResult("serial_port", Status.OK, f"the serial port {port} is on")
    config_txt = pi_files.boot_file(ctx, "config.txt")
    text = config_txt.read_text(encoding="utf-8", errors="replace") if config_txt else ""
    if config_txt is None or not pi_files.is_on(pi_files.settings(text).get("enable_uart")):
        return CheckResult(
            "serial_port",
            Status.FAIL,
            f"the serial port is off ({port} is missing and enable_uart=1 is not set), so nothing can print",
            "sudo raspi-config nonint do_serial_hw 0 && sudo reboot",
        )
    return CheckResult(
        "serial_port",
        Status.FAIL,
        f"enable_uart=1 is set but {port} is missing: the Pi has not restarted since",
        "sudo reboot",
    )


def check_serial_console(ctx: DoctorContext) -> CheckResult:
    """The kernel's serial console must not share the UART with the receipt printer."""
    if skipped := _emulated(ctx, "serial_console"):
        return skipped
    cmdline = pi_files.boot_file(ctx, "cmdline.txt")
    if cmdline is None:
        return CheckResult("serial_console", Status.OK, "no cmdline.txt: no serial console set up")
    consoles = pi_files.serial_consoles(cmdline.read_text(encoding="utf-8", errors="replace"))
    if not consoles:
        return CheckResult("serial_console", Status.OK, "the serial console is off")
    fix = "sudo raspi-config nonint do_serial_cons 1 && sudo reboot"
    if pi_files.is_uart_port(ctx.config.hardware.printer_port):
        return CheckResult(
            "serial_console",
            Status.FAIL,
            f"the serial console is still on the UART ({' '.join(consoles)} in {_shown(ctx, cmdline)}): boot "
            "messages and a login prompt go to the receipt printer and garble its receipts",
            fix,
        )
    return CheckResult(
        "serial_console",
        Status.WARN,
        f"a serial console is on the UART ({' '.join(consoles)}); the printer is elsewhere, but it is not needed",
        fix,
    )


def check_groups(ctx: DoctorContext) -> CheckResult:
    """The service user must be in the spi, gpio and dialout groups (and input, for a keyboard-wedge scanner)."""
    if skipped := _emulated(ctx, "groups"):
        return skipped
    required = dict(REQUIRED_GROUPS)
    if ctx.config.hardware.scanner_keyboard:
        required["input"] = SCANNER_GROUP_USE
    found = pi_files.membership(ctx, ctx.user)
    if not found.user_exists:
        return CheckResult(
            "groups",
            Status.FAIL,
            f"the service user '{ctx.user}' does not exist",
            f"sudo /opt/kiosk/install.sh --role {ctx.config.device.role}",
        )
    absent = [g for g in required if g not in found.existing_groups]
    if absent:
        return CheckResult(
            "groups",
            Status.FAIL,
            f"group {', '.join(absent)} does not exist on this system, so {ctx.user} cannot "
            + " or ".join(required[g] for g in absent),
            " && ".join(f"sudo groupadd --system {g}" for g in absent)
            + f" && sudo usermod -aG {','.join(required)} {ctx.user}",
        )
    missing = [g for g in required if g not in found.user_groups]
    if missing:
        return CheckResult(
            "groups",
            Status.FAIL,
            f"user {ctx.user} is not in group {', '.join(missing)}, so it cannot "
            + " or ".join(required[g] for g in missing),
            f"sudo usermod -aG {','.join(missing)} {ctx.user} && sudo systemctl restart kiosk",
        )
    return CheckResult("groups", Status.OK, f"user {ctx.user} is in groups {', '.join(required)}")


def check_gpio_library(ctx: DoctorContext) -> CheckResult:
    """A Pi 5 needs rpi-lgpio: the original RPi.GPIO cannot reach its GPIO chip."""
    if skipped := _emulated(ctx, "gpio_library"):
        return skipped
    model = pi_files.pi_model(ctx)
    if not model.startswith("Raspberry Pi 5"):
        return CheckResult("gpio_library", Status.OK, f"RPi.GPIO suits this board ({model or 'not a Pi 5'})")
    has_lgpio = ctx.has_module("lgpio")
    if has_lgpio and ctx.has_module("RPi.GPIO"):
        return CheckResult("gpio_library", Status.OK, "Pi 5 with rpi-lgpio in place of RPi.GPIO")
    if has_lgpio:  # RPi.GPIO removed after rpi-lgpio was installed: their shared RPi/ is gone
        return CheckResult(
            "gpio_library",
            Status.FAIL,
            "this is a Pi 5 with lgpio but no RPi.GPIO module at all: the card reader library cannot load",
            "sudo /opt/kiosk/venv/bin/pip install --force-reinstall --no-deps rpi-lgpio"
            " && sudo systemctl restart kiosk",
        )
    return CheckResult(
        "gpio_library",
        Status.FAIL,
        "this is a Pi 5 but the kiosk has the original RPi.GPIO, which cannot drive its GPIO: "
        "the card reader and LEDs will not work",
        "sudo /opt/kiosk/venv/bin/pip uninstall -y RPi.GPIO && sudo /opt/kiosk/venv/bin/pip install rpi-lgpio "
        "&& sudo systemctl restart kiosk",
    )


def check_clock(ctx: DoctorContext) -> CheckResult:
    """The clock must be right and synchronised: events, receipts and promotion dates carry it."""
    wrong = _clock_wrong(ctx)
    if wrong is not None:
        return wrong
    answer = ctx.command(["timedatectl", "show", "--property=NTPSynchronized", "--value"])
    if answer is not None:
        synchronised, source = answer.strip() == "yes", "timedatectl"
    else:
        synchronised = ctx.path("/run/systemd/timesync/synchronized").exists()
        source = "systemd-timesyncd"
    if synchronised:
        return CheckResult("clock", Status.OK, f"the clock is synchronised ({source})")
    return CheckResult(
        "clock",
        Status.FAIL,
        "the clock is not synchronised: receipts, events and promotion dates would carry a wrong time",
        "sudo timedatectl set-ntp true; then check the network and: timedatectl timesync-status",
    )


def _clock_wrong(ctx: DoctorContext) -> CheckResult | None:
    """The till's clock is wrong when the sync measured it far from central's (whatever NTP believes)."""
    if ctx.sync_state is None:
        return None
    try:
        skew = ctx.sync_state().clock_skew_s
    except Exception:  # the central check reports a silent service
        return None
    if skew is None or abs(skew) < LARGE_SKEW_S:
        return None
    hours = abs(skew) / 3600
    said = f"{hours:.1f} hours" if hours >= 1 else f"{abs(skew) / 60:.0f} minutes"
    return CheckResult(
        "clock",
        Status.FAIL,
        f"the till's clock is wrong: it is {said} {'ahead of' if skew > 0 else 'behind'} the central server's; "
        "sales are dated by central's clock meanwhile, and phone card codes are checked against it",
        "sudo timedatectl set-ntp true (or sudo timedatectl set-time 'YYYY-MM-DD HH:MM:SS'); then: timedatectl",
    )


def check_disk(ctx: DoctorContext) -> CheckResult:
    """The disk holding the data directory must have room for the store and the journal."""
    data_dir = ctx.config.paths.data_dir
    where = _existing_parent(ctx.path(data_dir))
    usage = ctx.disk_usage(where)
    free_pct = 100 * usage.free / usage.total if usage.total else 0.0
    said = f"{_size(usage.free)} free of {_size(usage.total)} ({free_pct:.0f} %) on the disk holding {data_dir}"
    fix = (
        "sudo journalctl --vacuum-size=50M && sudo apt-get clean; "
        "then find what is large: sudo du -xh / 2>/dev/null | sort -h | tail -20"
    )
    if usage.free < FULL_BELOW_BYTES:
        return CheckResult(
            "disk",
            Status.FAIL,
            f"{DISK_FULL}: only {said}; the device shows balances but records "
            "nothing new until space is freed, and starts recording again by itself",
            fix,
        )
    if free_pct < DISK_FAIL_FREE_PCT or usage.free < DISK_FAIL_FREE_BYTES:
        return CheckResult("disk", Status.FAIL, f"the disk is nearly full: only {said}", fix)
    if free_pct < DISK_WARN_FREE_PCT or usage.free < DISK_WARN_FREE_BYTES:
        return CheckResult("disk", Status.WARN, f"the disk is filling up: {said}", fix)
    return CheckResult("disk", Status.OK, said)


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _size(n_bytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")  # pragma: no cover


def _shown(ctx: DoctorContext, path: Path) -> str:
    """A path as it is on the Pi (without the test root)."""
    return "/" + str(path.relative_to(ctx.root))


def check_private_files(ctx: DoctorContext) -> CheckResult:
    """PIN hashes, the token and customers' data must be readable by the service's user alone."""
    from device.private_files import loose_paths

    data_dir = ctx.config.paths.data_dir
    loose = loose_paths(ctx.path(data_dir))
    if not loose:
        return CheckResult("private_files", Status.OK, f"{data_dir} and its files are readable by their owner only")
    shown = ", ".join(f"{p.name} ({p.stat().st_mode & 0o777:o})" for p in loose[:5])
    more = f" and {len(loose) - 5} more" if len(loose) > 5 else ""
    return CheckResult(
        "private_files",
        Status.FAIL,
        f"{len(loose)} path(s) in {data_dir} can be read by other users: {shown}{more}",
        f"sudo chmod -R go-rwx {data_dir} (the service also does it when it starts)",
    )
