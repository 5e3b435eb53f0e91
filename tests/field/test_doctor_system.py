"""System-level doctor checks, each run against a fake Pi tree with one fault produced in it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from device.config import Config, parse_config
from kiosk.doctor import DoctorContext, Status, SyncState, run_doctor, system_checks
from kiosk.doctor.context import DiskUsage


def _context(root: Path, **changes) -> DoctorContext:
    config = parse_config({"central": {"url": "https://central.example.org"}})
    healthy = DoctorContext(
        config=config,
        root=root,
        device_status=lambda: {"reader": "ok", "printer": "ok"},
        sync_state=lambda: SyncState(reachable=True),
        store_problems=lambda: (),
    )
    return dataclasses.replace(healthy, **changes)


def _result(ctx: DoctorContext, name: str):
    return next(r for r in run_doctor(ctx) if r.name == name)


def test_a_healthy_pi_passes_every_check(pi_root):
    results = run_doctor(_context(pi_root))
    assert [(r.name, r.status) for r in results if r.status is not Status.OK] == []
    assert {r.name for r in results} >= {
        "spi",
        "serial_port",
        "serial_console",
        "groups",
        "gpio_library",
        "clock",
        "disk",
        "reader",
        "printer",
        "central",
        "store",
    }


def test_spi_disabled(pi_root):
    (pi_root / "dev/spidev0.0").unlink()
    config_txt = pi_root / "boot/firmware/config.txt"
    config_txt.write_text(
        config_txt.read_text().replace("dtparam=audio=on,spi=on", "dtparam=audio=on\n#dtparam=spi=on")
    )
    result = _result(_context(pi_root), "spi")
    assert result.status is Status.FAIL
    assert "SPI is disabled" in result.message and "/boot/firmware/config.txt" in result.message
    assert result.fix == "sudo raspi-config nonint do_spi 0 && sudo reboot"


def test_spi_turned_off_by_a_later_line(pi_root):
    (pi_root / "dev/spidev0.0").unlink()
    with open(pi_root / "boot/firmware/config.txt", "a") as handle:
        handle.write("dtparam=spi=off\n")
    assert "SPI is disabled" in _result(_context(pi_root), "spi").message


def test_spi_enabled_but_not_rebooted(pi_root):
    (pi_root / "dev/spidev0.0").unlink()
    result = _result(_context(pi_root), "spi")
    assert result.status is Status.FAIL
    assert "has not restarted" in result.message and result.fix == "sudo reboot"


def test_spi_on_older_boot_path(pi_root):
    (pi_root / "dev/spidev0.0").unlink()
    (pi_root / "boot/firmware/config.txt").rename(pi_root / "boot/config.txt")
    result = _result(_context(pi_root), "spi")
    assert "has not restarted" in result.message and "/boot/config.txt" in result.message


def test_spi_not_a_pi(tmp_path):
    result = _result(_context(tmp_path), "spi")
    assert result.status is Status.FAIL and "no config.txt" in result.message


def test_hardware_checks_pass_in_emulated_mode(tmp_path):
    ctx = _context(tmp_path, config=parse_config({"hardware": {"mode": "emulated"}}))
    for name in ("spi", "serial_port", "serial_console", "groups", "gpio_library"):
        result = _result(ctx, name)
        assert result.status is Status.OK and "emulated" in result.message


@pytest.mark.parametrize("group", ["spi", "gpio", "dialout"])
def test_user_not_in_a_group(pi_root, group):
    group_file = pi_root / "etc/group"
    lines = []
    for line in group_file.read_text().splitlines():
        name, pw, gid, members = line.split(":")
        if name == group:
            members = ",".join(m for m in members.split(",") if m and m != "kiosk")
            gid = "1234" if gid == "999" else gid  # also drop primary-group membership
        lines.append(":".join((name, pw, gid, members)))
    group_file.write_text("\n".join(lines) + "\n")
    result = _result(_context(pi_root), "groups")
    assert result.status is Status.FAIL
    assert result.message.startswith(f"user kiosk is not in group {group}, so it cannot")
    assert result.fix == f"sudo usermod -aG {group} kiosk && sudo systemctl restart kiosk"


def test_group_missing_from_the_system(pi_root):
    group_file = pi_root / "etc/group"
    group_file.write_text(
        "".join(line + "\n" for line in group_file.read_text().splitlines() if not line.startswith("gpio:"))
    )
    result = _result(_context(pi_root), "groups")
    assert result.status is Status.FAIL and "group gpio does not exist" in result.message
    assert "sudo groupadd --system gpio" in result.fix


def test_service_user_missing(pi_root):
    (pi_root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    result = _result(_context(pi_root), "groups")
    assert result.status is Status.FAIL and "'kiosk' does not exist" in result.message
    assert result.fix == "sudo /opt/kiosk/install.sh --role till"


def test_groups_from_the_host_databases():
    # On the host, the check reads grp/pwd: root exists, and is not in all of spi/gpio/dialout here.
    import grp

    ctx = DoctorContext(config=Config(), root=Path("/"), user="root", run_command=lambda argv: None)
    result = system_checks.check_groups(ctx)
    names = {g.gr_name for g in grp.getgrall() if "root" in g.gr_mem or g.gr_gid == 0}
    if {"spi", "gpio", "dialout"} <= names:
        assert result.status is Status.OK
    else:
        assert result.status is Status.FAIL and "root" in result.message


def test_pi5_with_the_original_rpi_gpio(pi_root):
    (pi_root / "proc/device-tree/model").write_text("Raspberry Pi 5 Model B Rev 1.0\0")
    asked = []
    ctx = _context(pi_root, has_module=lambda name: asked.append(name) or False)
    result = _result(ctx, "gpio_library")
    assert result.status is Status.FAIL and "Pi 5" in result.message and "rpi-lgpio" in result.fix
    assert asked == ["lgpio"]
    assert _result(_context(pi_root, has_module=lambda name: True), "gpio_library").status is Status.OK


def test_pi4_needs_no_lgpio(pi_root):
    result = _result(_context(pi_root, has_module=lambda name: False), "gpio_library")
    assert result.status is Status.OK and "Raspberry Pi 4" in result.message


def test_serial_console_still_on_the_uart(pi_root):
    cmdline = pi_root / "boot/firmware/cmdline.txt"
    cmdline.write_text("console=serial0,115200 " + cmdline.read_text())
    result = _result(_context(pi_root), "serial_console")
    assert result.status is Status.FAIL
    assert "console=serial0,115200" in result.message and "receipt printer" in result.message
    assert result.fix == "sudo raspi-config nonint do_serial_cons 1 && sudo reboot"


def test_serial_console_on_ttyama0_with_a_usb_printer_is_a_warning(pi_root):
    cmdline = pi_root / "boot/firmware/cmdline.txt"
    cmdline.write_text("console=ttyAMA0,115200 " + cmdline.read_text())
    ctx = _context(pi_root, config=parse_config({"hardware": {"printer_port": "/dev/ttyUSB0"}}))
    assert _result(ctx, "serial_console").status is Status.WARN


def test_serial_port_disabled(pi_root):
    (pi_root / "dev/serial0").unlink()
    config_txt = pi_root / "boot/firmware/config.txt"
    config_txt.write_text(config_txt.read_text().replace("enable_uart=1", "enable_uart=0"))
    result = _result(_context(pi_root), "serial_port")
    assert result.status is Status.FAIL and "serial port is off" in result.message
    assert result.fix == "sudo raspi-config nonint do_serial_hw 0 && sudo reboot"


def test_clock_not_synchronised_from_the_timesyncd_flag(pi_root):
    (pi_root / "run/systemd/timesync/synchronized").unlink()
    result = _result(_context(pi_root), "clock")
    assert result.status is Status.FAIL and "not synchronised" in result.message
    assert "timedatectl set-ntp true" in result.fix


@pytest.mark.parametrize("answer,status", [("yes\n", Status.OK), ("no\n", Status.FAIL)])
def test_clock_from_timedatectl(pi_root, answer, status):
    asked = []

    def timedatectl(argv):
        asked.append(list(argv))
        return answer

    # The flag file says synchronised; timedatectl's answer wins when it can be asked.
    assert _result(_context(pi_root, run_command=timedatectl), "clock").status is status
    assert asked == [["timedatectl", "show", "--property=NTPSynchronized", "--value"]]


def test_disk_measured_for_real_on_the_data_dir(pi_root):
    result = _result(_context(pi_root), "disk")
    total = shutil.disk_usage(pi_root).total
    assert f"free of {system_checks._size(total)} (" in result.message
    assert result.message.endswith("on the disk holding /var/lib/kiosk")


@pytest.mark.parametrize(
    "free,status",
    [(150 * 2**20, Status.FAIL), (900 * 2**20, Status.WARN), (10 * 2**30, Status.OK)],
)
def test_disk_nearly_full(pi_root, free, status):
    seen = []

    def usage(path):
        seen.append(path)
        return DiskUsage(total=32 * 2**30, used=32 * 2**30 - free, free=free)

    result = _result(_context(pi_root, disk_usage=usage), "disk")
    assert result.status is status
    assert seen == [pi_root / "var/lib/kiosk"]
    if status is Status.FAIL:
        assert result.message.startswith("the disk is nearly full: only 150.0 MB free of 32.0 GB")
        assert "journalctl --vacuum-size" in result.fix


def test_disk_low_percentage_on_a_big_disk_fails(pi_root):
    usage = lambda path: DiskUsage(total=1000 * 2**30, used=985 * 2**30, free=15 * 2**30)  # noqa: E731
    assert _result(_context(pi_root, disk_usage=usage), "disk").status is Status.FAIL


def test_disk_data_dir_not_created_yet_measures_its_parent(pi_root):
    (pi_root / "var/lib/kiosk").rmdir()
    seen = []
    _result(_context(pi_root, disk_usage=lambda p: seen.append(p) or DiskUsage(10**12, 0, 10**12)), "disk")
    assert seen == [pi_root / "var/lib"]


def test_unreadable_file_fails_that_check_alone(pi_root):
    (pi_root / "dev/spidev0.0").unlink()
    config_txt = pi_root / "boot/firmware/config.txt"
    config_txt.unlink()
    config_txt.mkdir()  # is_file() is False, so the old path is tried: make it a directory too
    (pi_root / "boot/config.txt").mkdir()
    results = run_doctor(_context(pi_root))
    assert next(r for r in results if r.name == "spi").status is Status.FAIL
    assert next(r for r in results if r.name == "clock").status is Status.OK


def test_pi5_with_lgpio_but_no_rpi_package_left(pi_root):
    (pi_root / "proc/device-tree/model").write_text("Raspberry Pi 5 Model B Rev 1.0\0")
    result = _result(_context(pi_root, has_module=lambda name: name == "lgpio"), "gpio_library")
    assert result.status is Status.FAIL and "no RPi.GPIO module at all" in result.message
    assert "--force-reinstall --no-deps rpi-lgpio" in result.fix


def test_a_keyboard_wedge_scanner_needs_the_input_group(pi_root):
    import dataclasses

    base = _context(pi_root)
    hardware = dataclasses.replace(base.config.hardware, scanner_keyboard="/dev/input/by-id/usb-Scanner-event-kbd")
    ctx = dataclasses.replace(base, config=dataclasses.replace(base.config, hardware=hardware))
    result = _result(ctx, "groups")
    assert result.status is Status.FAIL and "input" in result.message and "QR scanner" in result.message
    group = pi_root / "etc/group"
    group.write_text(group.read_text() + "input:x:105:kiosk\n")
    assert _result(ctx, "groups").status is Status.OK
    assert _result(base, "groups").status is Status.OK  # no scanner configured: input not asked for
