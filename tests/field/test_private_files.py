"""The data directory and its files are the service user's alone (0700 / 0600), and `kiosk doctor` says so."""

from __future__ import annotations

import os
import stat

from device.config import parse_config
from kiosk.doctor import DoctorContext, Status, run_doctor
from kiosk.service import KioskService


def _modes(data_dir):
    return {
        str(p.relative_to(data_dir)): stat.S_IMODE(p.stat().st_mode)
        for p in [data_dir, *data_dir.rglob("*")]
        if not p.is_symlink()
    }


def _private_files(config):
    return next(r for r in run_doctor(DoctorContext(config=config)) if r.name == "private_files")


def test_every_file_the_service_writes_is_private(tmp_path):
    old = os.umask(0o022)  # the umask a technician's shell gives
    try:
        config = parse_config(
            {
                "device": {"id": "till-9", "role": "till", "name": "Caisse"},
                "paths": {"data_dir": str(tmp_path / "data")},
                "hardware": {"mode": "emulated"},
            }
        )
        data_dir = tmp_path / "data"
        data_dir.mkdir(mode=0o755)
        (data_dir / "cashiers.json").write_text("{}")  # left readable by an older version
        os.chmod(data_dir / "cashiers.json", 0o644)
        with KioskService.open(config, sync=False) as service:
            service.till.cashiers.add("Alice", "cashier", "1234", cashier_id="alice")
        modes = _modes(data_dir)
        assert "cashiers.json" in modes
        loose = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
        assert loose == {}
        assert modes["."] == 0o700 and modes["cashiers.json"] == 0o600
        assert _private_files(config).status is Status.OK
    finally:
        os.umask(old)


def test_doctor_names_a_file_others_can_read(tmp_path):
    config = parse_config(
        {
            "device": {"id": "till-9", "role": "till", "name": "Caisse"},
            "paths": {"data_dir": str(tmp_path / "data")},
            "hardware": {"mode": "emulated"},
        }
    )
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "cashiers.json").write_text("{}")
    os.chmod(data_dir / "cashiers.json", 0o644)
    result = _private_files(config)
    assert result.status is Status.FAIL and "cashiers.json (644)" in result.message
    assert "chmod -R go-rwx" in result.fix


def test_a_kiosk_command_taking_the_lock_tightens_the_directory_too(tmp_path):
    from device.service_lock import ServiceLock

    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "print-jobs.jsonl").write_text("")
    os.chmod(data_dir / "print-jobs.jsonl", 0o644)
    lock = ServiceLock(data_dir).acquire(holder="kiosk")
    try:
        assert {name: oct(mode) for name, mode in _modes(data_dir).items() if mode & 0o077} == {}
    finally:
        lock.release()
