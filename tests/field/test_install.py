"""install.sh --root into a temporary tree: every file checked, run twice, dry run, upgrade, uninstall."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from device.config import load_config
from kiosk.doctor import DoctorContext, Status, pi_files, run_doctor

from .conftest import make_healthy_pi
from .installer import INSTALL_SH, REPO, changes, run_install, snapshot

pytestmark = pytest.mark.timeout(120)

BOOKWORM_CONFIG_TXT = (
    "# For more options and information see\n"
    "# http://rptl.io/configtxt\n"
    "#dtparam=i2c_arm=on\n"
    "#dtparam=i2s=on\n"
    "#dtparam=spi=on\n"
    "dtparam=audio=on\n"
    "camera_auto_detect=1\n"
    "\n"
    "[cm4]\n"
    "otg_mode=1\n"
    "\n"
    "[pi5]\n"
    "dtoverlay=dwc2,dr_mode=host\n"
)
BOOKWORM_CMDLINE = (
    "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet\n"
)
PI4 = "Raspberry Pi 4 Model B Rev 1.4\0"
PI5 = "Raspberry Pi 5 Model B Rev 1.0\0"


def fresh_pi(root: Path, model: str = PI4, boot: str = "boot/firmware") -> Path:
    """A just-flashed Raspberry Pi OS tree: stock boot files, a pi user, the Pi's usual groups."""
    for name, text in {
        f"{boot}/config.txt": BOOKWORM_CONFIG_TXT,
        f"{boot}/cmdline.txt": BOOKWORM_CMDLINE,
        "proc/device-tree/model": model,
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n",
        "etc/group": "root:x:0:\ndialout:x:20:pi\nvideo:x:44:pi\ngpio:x:997:pi\npi:x:1000:\n",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def pi(tmp_path: Path) -> Path:
    return fresh_pi(tmp_path / "root")


def test_till_install_file_by_file(pi):
    result = run_install(pi, "--role", "till", "--no-venv")
    assert "done:" in result.stdout

    # Boot files: SPI and the UART on in an [all] section, serial console gone, originals kept once.
    config_txt = (pi / "boot/firmware/config.txt").read_text()
    assert config_txt == BOOKWORM_CONFIG_TXT + "\n[all]\ndtparam=spi=on\nenable_uart=1\n"
    assert (pi / "boot/firmware/config.txt.kiosk-orig").read_text() == BOOKWORM_CONFIG_TXT
    assert (pi / "boot/firmware/cmdline.txt").read_text() == BOOKWORM_CMDLINE.replace("console=serial0,115200 ", "")
    assert (pi / "boot/firmware/cmdline.txt.kiosk-orig").read_text() == BOOKWORM_CMDLINE

    # Users and groups written into the tree, existing entries kept.
    passwd = (pi / "etc/passwd").read_text().splitlines()
    assert passwd[:2] == ["root:x:0:0:root:/root:/bin/bash", "pi:x:1000:1000:,,,:/home/pi:/bin/bash"]
    kiosk = next(line for line in passwd if line.startswith("kiosk:")).split(":")
    assert kiosk[5:] == ["/var/lib/kiosk", "/usr/sbin/nologin"] and 100 <= int(kiosk[2]) < 1000
    ctx = DoctorContext(config=load_config(pi / "etc/kiosk/kiosk.toml"), root=pi)
    service = pi_files.membership(ctx, "kiosk")
    assert service.user_exists and {"spi", "gpio", "dialout", "kiosk"} <= service.user_groups
    display = pi_files.membership(ctx, "kiosk-display")
    assert {"video", "render", "input"} <= display.user_groups and "spi" not in display.user_groups
    group = (pi / "etc/group").read_text()
    assert "dialout:x:20:pi,kiosk\n" in group and "gpio:x:997:pi,kiosk\n" in group
    assert "video:x:44:pi,kiosk-display\n" in group

    # Config template, reference copy and the screen's page.
    toml = pi / "etc/kiosk/kiosk.toml"
    assert toml.read_text() == (REPO / "config/kiosk.example.toml").read_text()
    assert oct(toml.stat().st_mode & 0o777) == "0o640"
    assert load_config(toml).device.role == "till"
    assert (pi / "etc/kiosk/kiosk.example.toml").read_bytes() == (REPO / "config/kiosk.example.toml").read_bytes()
    display_env = (pi / "etc/kiosk/display.env").read_text().splitlines()
    assert display_env[1:] == ["KIOSK_URL=http://127.0.0.1:8080/till", "KIOSK_BROWSER=/usr/bin/chromium"]

    # Units and their wants/ links; the PAM stack of the screen session.
    for unit in ("kiosk.service", "kiosk-display.service"):
        installed = pi / "etc/systemd/system" / unit
        assert installed.read_bytes() == (REPO / "systemd" / unit).read_bytes()
        assert oct(installed.stat().st_mode & 0o777) == "0o644"
        link = pi / "etc/systemd/system/multi-user.target.wants" / unit
        assert link.is_symlink() and str(link.readlink()) == f"/etc/systemd/system/{unit}"
    assert not (pi / "etc/systemd/system/kiosk-central.service").exists()
    assert (pi / "etc/pam.d/kiosk-display").read_bytes() == (REPO / "systemd/kiosk-display.pam").read_bytes()

    # Directories, the copy kept for later runs, and no venv (--no-venv).
    assert oct((pi / "var/lib/kiosk").stat().st_mode & 0o777) == "0o700"
    assert oct((pi / "etc/kiosk").stat().st_mode & 0o777) == "0o750"
    assert (pi / "opt/kiosk/install.sh").read_bytes() == (REPO / "install.sh").read_bytes()
    assert not (pi / "opt/kiosk/venv").exists()

    files = {rel for rel, (mode, _) in snapshot(pi).items() if mode != "link" and not (pi / rel).is_dir()}
    assert files == {
        "boot/firmware/config.txt",
        "boot/firmware/config.txt.kiosk-orig",
        "boot/firmware/cmdline.txt",
        "boot/firmware/cmdline.txt.kiosk-orig",
        "proc/device-tree/model",
        "etc/passwd",
        "etc/group",
        "etc/kiosk/kiosk.toml",
        "etc/kiosk/kiosk.example.toml",
        "etc/kiosk/display.env",
        "etc/systemd/system/kiosk.service",
        "etc/systemd/system/kiosk-display.service",
        "etc/pam.d/kiosk-display",
        "opt/kiosk/install.sh",
        "opt/kiosk/config/kiosk.example.toml",
        "opt/kiosk/systemd/kiosk.service",
        "opt/kiosk/systemd/kiosk-display.service",
        "opt/kiosk/systemd/kiosk-central.service",
        "opt/kiosk/systemd/kiosk-display.pam",
        "opt/kiosk/systemd/kiosk-firstboot.service",
    }


def test_second_run_changes_nothing(pi):
    first = run_install(pi, "--role", "till", "--no-venv")
    after_first = snapshot(pi)
    second = run_install(pi, "--role", "till", "--no-venv")
    assert changes(first.stdout)
    assert changes(second.stdout) == []
    assert "nothing to do" in second.stdout
    assert snapshot(pi) == after_first


def test_dry_run_changes_nothing_and_lists_what_the_real_run_does(pi):
    before = snapshot(pi)
    dry = run_install(pi, "--role", "till", "--no-venv", "--dry-run")
    assert snapshot(pi) == before
    would = [line[len("would: ") :] for line in dry.stdout.splitlines() if line.startswith("would: ")]
    assert "turn on SPI for the card reader (dtparam=spi=on in /boot/firmware/config.txt)" in would
    real = run_install(pi, "--role", "till", "--no-venv")
    assert [line[len("==> ") :] for line in changes(real.stdout)] == would


def test_upgrade_keeps_the_config_and_restores_the_units(pi):
    run_install(pi, "--role", "till", "--no-venv")
    toml = pi / "etc/kiosk/kiosk.toml"
    toml.write_text(toml.read_text().replace('id = "till-1"', 'id = "till-7"').replace("port = 8080", "port = 9090"))
    unit = pi / "etc/systemd/system/kiosk.service"
    unit.write_text("stale\n")
    result = run_install(pi, "--role", "till", "--no-venv")
    assert "keeping the configuration /etc/kiosk/kiosk.toml" in result.stdout
    assert load_config(toml).device.id == "till-7"
    assert unit.read_bytes() == (REPO / "systemd/kiosk.service").read_bytes()
    assert "KIOSK_URL=http://127.0.0.1:9090/till" in (pi / "etc/kiosk/display.env").read_text()
    assert changes(result.stdout) == [
        "==> install /etc/kiosk/display.env",
        "==> install /etc/systemd/system/kiosk.service",
    ]


def test_self_service_kiosk_role(pi):
    run_install(pi, "--role", "kiosk", "--no-venv")
    assert load_config(pi / "etc/kiosk/kiosk.toml").device.role == "kiosk"
    assert "KIOSK_URL=http://127.0.0.1:8080/kiosk" in (pi / "etc/kiosk/display.env").read_text()


def test_pi5_gets_uart0_and_rpi_lgpio(tmp_path):
    root = fresh_pi(tmp_path / "pi5", model=PI5)
    result = run_install(root, "--role", "till", "--no-venv")
    assert "board: Raspberry Pi 5 Model B Rev 1.0" in result.stdout
    assert "Pi 5 detected: rpi-lgpio replaces RPi.GPIO" in result.stdout
    assert (
        (root / "boot/firmware/config.txt")
        .read_text()
        .endswith("[all]\ndtparam=spi=on\nenable_uart=1\ndtparam=uart0=on\n")
    )


def test_pi4_has_no_pi5_steps(pi):
    result = run_install(pi, "--role", "till", "--no-venv")
    assert "Pi 5" not in result.stdout and "uart0" not in (pi / "boot/firmware/config.txt").read_text()


def test_bullseye_boot_path(tmp_path):
    root = fresh_pi(tmp_path / "old", boot="boot")
    run_install(root, "--role", "till", "--no-venv")
    assert (root / "boot/config.txt").read_text().endswith("dtparam=spi=on\nenable_uart=1\n")
    assert "console=serial0" not in (root / "boot/cmdline.txt").read_text()
    assert not (root / "boot/firmware").exists()


def test_settings_already_there_are_not_repeated(tmp_path):
    root = fresh_pi(tmp_path / "set")
    (root / "boot/firmware/config.txt").write_text("dtparam=i2c_arm=on,spi=on\nenable_uart=1\n")
    (root / "boot/firmware/cmdline.txt").write_text("console=tty1 root=/dev/mmcblk0p2 rootwait\n")
    run_install(root, "--role", "till", "--no-venv")
    assert (root / "boot/firmware/config.txt").read_text() == "dtparam=i2c_arm=on,spi=on\nenable_uart=1\n"
    assert not (root / "boot/firmware/config.txt.kiosk-orig").exists()


def test_spi_switched_off_later_in_the_file_is_switched_on(tmp_path):
    root = fresh_pi(tmp_path / "off")
    (root / "boot/firmware/config.txt").write_text("dtparam=spi=on\n[all]\ndtparam=spi=off\n")
    run_install(root, "--role", "till", "--no-venv")
    assert (root / "boot/firmware/config.txt").read_text() == (
        "dtparam=spi=on\n[all]\ndtparam=spi=off\ndtparam=spi=on\nenable_uart=1\n"
    )


def test_not_a_pi_leaves_boot_alone(tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    result = run_install(root, "--role", "till", "--no-venv")
    assert "no Raspberry Pi boot files" in result.stdout
    assert not (root / "boot").exists()
    assert (root / "etc/passwd").read_text().startswith("kiosk:x:")


def test_central_role(tmp_path):
    root = fresh_pi(tmp_path / "central")
    result = run_install(root, "--role", "central", "--no-venv")
    units = sorted(p.name for p in (root / "etc/systemd/system").glob("*.service"))
    assert units == ["kiosk-central.service"]
    assert (root / "etc/systemd/system/multi-user.target.wants/kiosk-central.service").is_symlink()
    assert (root / "etc/kiosk/central.env").exists()
    assert not (root / "etc/kiosk/display.env").exists()
    assert (root / "boot/firmware/config.txt").read_text() == BOOKWORM_CONFIG_TXT
    assert "kiosk-display" not in (root / "etc/passwd").read_text()
    ctx = DoctorContext(config=load_config(root / "etc/kiosk/kiosk.toml"), root=root)
    assert "spi" not in pi_files.membership(ctx, "kiosk").user_groups
    assert "cage" not in result.stdout


def test_central_env_is_kept(tmp_path):
    root = fresh_pi(tmp_path / "central")
    run_install(root, "--role", "central", "--no-venv")
    env = root / "etc/kiosk/central.env"
    env.write_text("KIOSK_CENTRAL_DATABASE_URL=postgresql+psycopg://central@db/loyalty\n")
    run_install(root, "--role", "central", "--no-venv")
    assert env.read_text() == "KIOSK_CENTRAL_DATABASE_URL=postgresql+psycopg://central@db/loyalty\n"


def test_uninstall_keeps_data_and_config_unless_purged(pi):
    run_install(pi, "--role", "till", "--no-venv")
    (pi / "var/lib/kiosk/outbox.jsonl").write_text("{}\n")
    result = run_install(pi, "--uninstall")
    assert "kept: /etc/kiosk" in result.stdout
    for gone in (
        "etc/systemd/system/kiosk.service",
        "etc/systemd/system/kiosk-display.service",
        "etc/systemd/system/multi-user.target.wants/kiosk.service",
        "etc/pam.d/kiosk-display",
        "etc/kiosk/display.env",
        "opt/kiosk",
    ):
        assert not (pi / gone).exists() and not (pi / gone).is_symlink(), gone
    assert (pi / "etc/kiosk/kiosk.toml").exists() and (pi / "var/lib/kiosk/outbox.jsonl").exists()
    assert "kiosk:x:" in (pi / "etc/passwd").read_text()
    assert changes(run_install(pi, "--uninstall").stdout) == []

    run_install(pi, "--uninstall", "--purge")
    assert not (pi / "etc/kiosk").exists() and not (pi / "var/lib/kiosk").exists()
    passwd, group = (pi / "etc/passwd").read_text(), (pi / "etc/group").read_text()
    assert "kiosk" not in passwd and "pi:x:1000" in passwd
    assert "\nkiosk:" not in group and "\nkiosk-display:" not in group
    assert "gpio:x:997:pi,kiosk" in group  # shared groups stay (an unknown member name is harmless)


def test_reinstall_after_uninstall(pi):
    run_install(pi, "--role", "till", "--no-venv")
    run_install(pi, "--uninstall")
    again = run_install(pi, "--role", "till", "--no-venv")
    assert "keeping the configuration" in again.stdout
    assert (pi / "etc/systemd/system/multi-user.target.wants/kiosk.service").is_symlink()


@pytest.mark.parametrize(
    "args,message",
    [
        ((), "say which role"),
        (("--role", "printer"), "unknown role 'printer'"),
        (("--role", "till", "--purge"), "--purge only goes with --uninstall"),
        (("--role", "till", "--bogus"), "unknown option '--bogus'"),
        (("--role", "till", "--wheel-dir", "/nonexistent/wheels"), "is not a directory"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(pi, args, message):
    before = snapshot(pi)
    result = run_install(pi, *args, check=False)
    assert result.returncode == 2 and message in result.stderr
    assert snapshot(pi) == before


def test_missing_root_is_refused(tmp_path):
    result = run_install(tmp_path / "nowhere", "--role", "till", check=False)
    assert result.returncode == 2 and "is not a directory" in result.stderr


def test_a_directory_that_is_not_a_wheelhouse_is_refused(pi, tmp_path):
    empty_wheels = tmp_path / "wheels"
    empty_wheels.mkdir()
    before = snapshot(pi)
    result = run_install(pi, "--role", "till", "--wheel-dir", str(empty_wheels), check=False)
    assert result.returncode == 2 and "is not a wheelhouse (no requirements-*.txt)" in result.stderr
    assert snapshot(pi) == before


def test_an_image_needs_a_wheelhouse_for_its_venv(pi):
    result = run_install(pi, "--role", "till", check=False)
    assert result.returncode == 2 and "--root needs --wheel-dir" in result.stderr


def test_help():
    out = subprocess.run(["bash", str(INSTALL_SH), "--help"], capture_output=True, text=True, check=True).stdout
    assert "--role till|kiosk|central" in out and "--root DIR" in out and "set -E" not in out


def test_doctor_after_install_asks_for_a_reboot_then_passes(pi):
    run_install(pi, "--role", "till", "--no-venv")
    config = load_config(pi / "etc/kiosk/kiosk.toml")
    ctx = DoctorContext(config=config, root=pi)
    by_name = {r.name: r for r in run_doctor(ctx)}
    assert by_name["spi"].status is Status.FAIL and by_name["spi"].fix == "sudo reboot"
    assert by_name["serial_port"].fix == "sudo reboot"
    assert by_name["serial_console"].status is Status.OK
    assert by_name["groups"].status is Status.OK
    # After the reboot the kernel creates the device nodes.
    for node in ("dev/spidev0.0", "dev/serial0"):
        (pi / node).parent.mkdir(exist_ok=True)
        (pi / node).touch()
    by_name = {r.name: r for r in run_doctor(ctx)}
    assert by_name["spi"].status is Status.OK and by_name["serial_port"].status is Status.OK


def test_install_over_a_configured_pi_changes_no_boot_file(tmp_path):
    root = make_healthy_pi(tmp_path / "ok")
    before = (root / "boot/firmware/config.txt").read_text()
    run_install(root, "--role", "till", "--no-venv")
    assert (root / "boot/firmware/config.txt").read_text() == before
    assert not (root / "boot/firmware/cmdline.txt.kiosk-orig").exists()
