"""install.sh's venv from a wheelhouse, offline, as on a real machine: quiet re-runs, upgrades, the Pi 5 swap."""

from __future__ import annotations

import pytest

from .host_sandbox import Sandbox, make_wheel, unshare_works, write_pinned_list
from .installer import changes

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.skipif(not unshare_works(), reason="needs root and mount namespaces (unshare)"),
]

PI4, PI5 = "Raspberry Pi 4 Model B Rev 1.4", "Raspberry Pi 5 Model B Rev 1.0"
KIOSK_MODULE = {"kiosk_stub/__init__.py": "def main():\n    print('kiosk {}')\n"}


def wheelhouse(directory, kiosk_version: str):
    """A wheelhouse like tools/build-wheelhouse.sh's: the kiosk, RPi.GPIO (device), rpi-lgpio (device-pi5)."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("loyalty_kiosk-*.whl"):
        old.unlink()
    make_wheel(
        directory,
        "loyalty-kiosk",
        kiosk_version,
        {"kiosk_stub/__init__.py": f"def main():\n    print('kiosk {kiosk_version}')\n"},
        {"kiosk": "kiosk_stub:main"},
    )
    click = make_wheel(directory, "clicklike", "8.1", {"clicklike.py": "X = 1\n"})
    rpi_gpio = make_wheel(
        directory, "RPi.GPIO", "0.7.1", {"RPi/__init__.py": "", "RPi/GPIO/__init__.py": "FLAVOUR = 'RPi.GPIO'\n"}
    )
    rpi_lgpio = make_wheel(
        directory, "rpi-lgpio", "0.6", {"RPi/__init__.py": "", "RPi/GPIO/__init__.py": "FLAVOUR = 'rpi-lgpio'\n"}
    )
    write_pinned_list(directory, "device", [click, rpi_gpio])
    write_pinned_list(directory, "device-pi5", [click, rpi_lgpio])
    write_pinned_list(directory, "central", [click])
    return directory


def venv_python(box: Sandbox) -> str:
    return str(box.path("/opt/kiosk/venv/bin/python"))


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path / "machine")


def test_offline_install_then_a_rerun_changes_and_restarts_nothing(box, tmp_path):
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    first = box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    done = [line[4:] for line in changes(first.stdout)]
    assert "install the pinned packages of requirements-device.txt" in done
    assert f"install the kiosk 1.0.0 from the wheels in {wheels}" in done
    assert "put kiosk on the PATH (/usr/local/bin/kiosk)" in done
    assert box.path("/usr/local/bin/kiosk").readlink().as_posix() == "/opt/kiosk/venv/bin/kiosk"
    assert "restart kiosk.service (what it runs changed)" in done
    assert "restart kiosk-display.service (what it runs changed)" in done

    box.forget_systemctl_calls()
    again = box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    assert changes(again.stdout) == [] and "nothing to do: already up to date" in again.stdout
    assert not [
        call for call in box.systemctl_calls() if call.split()[0] in ("restart", "start", "stop", "daemon-reload")
    ]


def test_a_new_version_is_installed_and_restarts_the_service_but_not_the_screen(box, tmp_path):
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    box.forget_systemctl_calls()
    wheelhouse(wheels, "1.1.0")
    upgrade = box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    assert [line[4:] for line in changes(upgrade.stdout)] == [
        f"install the kiosk 1.1.0 from the wheels in {wheels} (was 1.0.0)",
        "restart kiosk.service (what it runs changed)",
    ]
    assert "restart kiosk.service" in box.systemctl_calls()
    assert not [
        call
        for call in box.systemctl_calls()
        if "kiosk-display" in call and call.split()[0] in ("restart", "start", "stop")
    ]
    # Rolling back is installing the previous wheelhouse again.
    wheelhouse(wheels, "1.0.0")
    back = box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    assert f"==> install the kiosk 1.0.0 from the wheels in {wheels} (was 1.1.0)" in back.stdout


def test_pi5_keeps_rpi_lgpio_in_place_of_rpi_gpio_run_after_run(box, tmp_path):
    import subprocess

    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    # The SD card moves to a Pi 5 (or an older install had RPi.GPIO): the swap, then quiet re-runs.
    for run in range(3):
        result = box.run("--role", "till", "--no-packages", "--board", PI5, "--wheel-dir", str(wheels))
        if run == 0:
            assert (
                "==> install the pinned packages of requirements-device-pi5.txt (Pi 5: rpi-lgpio in place of RPi.GPIO)"
            ) in result.stdout
        else:
            assert changes(result.stdout) == []
        flavour = subprocess.run(
            [
                "unshare",
                "--mount",
                "bash",
                "-c",
                f"mount -t overlay overlay -o lowerdir=/opt,upperdir={box.state}/upper/opt,workdir={box.state}/work/opt"
                " /opt && /opt/kiosk/venv/bin/python -c 'import RPi.GPIO as g; print(g.FLAVOUR)'",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert flavour.stdout.strip() == "rpi-lgpio", flavour.stderr


def test_purge_refuses_to_delete_unsent_sales_without_force(box, tmp_path):
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    outbox = box.path("/var/lib/kiosk/store/outbox.jsonl")
    outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox.write_text(
        '00000000 {"header": {"schema": 1}}\n00000000 {"event": {"event_id": "e1"}}\n'
        '00000000 {"event": {"event_id": "e2"}}\n00000000 {"ack": ["e1"]}\n'
    )
    refused = box.run("--uninstall", "--purge", check=False)
    assert refused.returncode == 2
    assert "1 sales and other events not yet sent to central" in refused.stderr
    assert "nothing was removed" in refused.stderr
    assert outbox.exists() and box.path("/opt/kiosk/venv/bin/python").exists()
    forced = box.run("--uninstall", "--purge", "--force")
    assert "==> remove /var/lib/kiosk" in forced.stdout


def test_in_a_chroot_nothing_is_started_and_uninstall_works(tmp_path):
    box = Sandbox(tmp_path / "image", systemd=False)
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    first = box.run("--role", "till", "--no-packages", "--board", PI4, "--wheel-dir", str(wheels))
    assert "==> enable kiosk.service" in first.stdout and "restart" not in first.stdout
    assert box.path("/etc/systemd/system/multi-user.target.wants/kiosk.service").is_symlink()
    gone = box.run("--uninstall")
    assert "==> remove /etc/systemd/system/kiosk.service" in gone.stdout
    assert box.systemctl_calls() == []  # no running systemd to ask


def test_an_image_gets_the_wheelhouse_and_makes_its_venv_on_first_boot(tmp_path):
    from .installer import run_install, snapshot
    from .test_install import fresh_pi

    image = fresh_pi(tmp_path / "image")
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    run_install(image, "--role", "kiosk", "--wheel-dir", str(wheels))
    assert not (image / "opt/kiosk/venv").exists()  # it would run this machine's Python
    bundled = image / "opt/kiosk/wheelhouse"
    assert sorted(p.name for p in bundled.iterdir()) == sorted(p.name for p in wheels.iterdir())
    assert (image / "etc/kiosk/firstboot.env").read_text().endswith("KIOSK_ROLE=kiosk\n")
    assert (image / "etc/systemd/system/multi-user.target.wants/kiosk-firstboot.service").is_symlink()
    unit = (image / "etc/systemd/system/kiosk-firstboot.service").read_text()
    assert "--wheel-dir /opt/kiosk/wheelhouse --no-packages --no-start" in unit
    # Nothing in the image names the machine it was built on.
    for rel, (mode, content) in snapshot(image).items():
        if mode != "link" and isinstance(content, bytes):
            assert str(tmp_path).encode() not in content, rel
    assert "nothing to do" in run_install(image, "--role", "kiosk", "--wheel-dir", str(wheels)).stdout
