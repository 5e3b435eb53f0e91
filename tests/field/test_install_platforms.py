"""What each architecture and role installs: no psycopg on a device, no hardware driver on central, and the
Debian packages that let pip build what comes as source on 32-bit Raspberry Pi OS."""

from __future__ import annotations

import re
import tomllib

import pytest

from .host_sandbox import Sandbox, unshare_works
from .installer import REPO

ARMHF_SOURCES = ["python3-dev", "gcc", "libjpeg-dev", "zlib1g-dev", "libffi-dev", "libyaml-dev"]


def pinned(set_name: str) -> dict[str, str]:
    """name -> the environment marker ('' when none) of each package pinned in requirements/<set>.txt."""
    text = (REPO / "requirements" / f"{set_name}.txt").read_text()
    return {
        m.group(1).lower(): (m.group(3) or "").strip()
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)(?: ;([^\\\n]*))?", text, re.M)
    }


def test_a_device_never_installs_psycopg_and_central_no_hardware_driver():
    assert not {"psycopg", "psycopg-binary", "sqlalchemy", "alembic", "pygal"} & set(pinned("device"))
    assert not {"mfrc522", "spidev", "rpi-gpio", "gpiozero", "lgpio", "pyserial", "python-escpos", "pillow"} & set(
        pinned("central")
    )
    # psycopg's binary wheel does not exist for 32-bit ARM: there it is the pure one over Debian's libpq5.
    assert "armv7l" in pinned("central")["psycopg-binary"]


def test_pi5_set_has_rpi_lgpio_in_place_of_rpi_gpio():
    pi5 = pinned("device-pi5")
    assert "rpi-lgpio" in pi5 and pi5.get("rpi-gpio", "sys_platform == 'never'") == "sys_platform == 'never'"


@pytest.mark.parametrize("set_name,extras", [("device", []), ("device-pi5", []), ("central", ["central"])])
def test_the_pinned_lists_follow_pyproject(set_name, extras):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + [r for e in extras for r in project["optional-dependencies"][e]]
    names = {re.split(r"[<>=;\[ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in wanted}
    if set_name == "central":
        names -= {"mfrc522", "gpiozero", "lgpio", "pyserial", "python-escpos"}
    missing = names - set(pinned(set_name))
    assert not missing, f"requirements/{set_name}.txt lacks {missing}: run tools/lock-requirements.sh"


@pytest.mark.skipif(not unshare_works(), reason="needs root and mount namespaces (unshare)")
@pytest.mark.parametrize(
    "role,arch,build",
    [
        ("till", "armhf", ARMHF_SOURCES),
        ("till", "arm64", ["python3-dev", "gcc"]),
        ("central", "amd64", []),
        ("central", "armhf", ["python3-dev", "gcc", "libffi-dev"]),
    ],
)
def test_debian_packages_for_building_sources_per_architecture(tmp_path, role, arch, build):
    box = Sandbox(tmp_path / "machine")
    dry = box.run("--role", role, "--arch", arch, "--dry-run")
    line = next(line for line in dry.stdout.splitlines() if line.startswith("would: install Debian packages: "))
    packages = line.split(": ", 2)[2].split()
    assert packages[:2] == ["python3", "python3-venv"]
    for package in ["python3-dev", "gcc", "libjpeg-dev", "zlib1g-dev", "libffi-dev", "libyaml-dev"]:
        assert (package in packages) == (package in build), package
    assert ("libpq5" in packages) == (role == "central" and arch == "armhf")


@pytest.mark.skipif(not unshare_works(), reason="needs root and mount namespaces (unshare)")
def test_a_wheelhouse_needs_no_compiler(tmp_path):
    from .test_install_venv import wheelhouse

    box = Sandbox(tmp_path / "machine")
    wheels = wheelhouse(tmp_path / "wheels", "1.0.0")
    dry = box.run("--role", "till", "--arch", "armhf", "--dry-run", "--wheel-dir", str(wheels))
    assert "gcc" not in dry.stdout and "python3-dev" not in dry.stdout
