"""A till installs and loads only the device set: the central server's packages are an extra it never needs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.cli.conftest import write_config
from tests.spawned import wait_answering

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGES = ("sqlalchemy", "alembic", "mako", "pygal", "psycopg")

LOADED_BY = """
import contextlib, io, json, sys
from kiosk.cli import main
for args in %r:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(args, standalone_mode=False)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(%r))))
"""


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    path = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    return path


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=;\[ ]", req, maxsplit=1)[0].lower() for req in requirements}


def test_server_packages_are_the_central_extra_not_the_base_set():
    project = _project()
    base, extras = _names(project["dependencies"]), project["optional-dependencies"]
    assert not base & {"sqlalchemy", "alembic", "psycopg", "pygal"}
    assert {"sqlalchemy", "alembic", "psycopg", "pygal"} <= _names(extras["central"])
    assert {"mfrc522", "gpiozero", "flask", "waitress"} <= base
    assert "loyalty-kiosk[central]" in extras["test"]


@pytest.mark.parametrize(
    "args", [["--help"], ["status", "--json"], ["doctor", "--json"], ["serve", "--help"], ["sync", "--help"]]
)
def test_device_commands_load_no_server_package(config_file, args):
    code = LOADED_BY % ([args], SERVER_PACKAGES)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_central_help_is_listed_without_loading_it(config_file):
    code = LOADED_BY.replace(
        "print(json", "print(sorted(m for m in sys.modules if m.startswith('central')))\nprint(json"
    )
    done = subprocess.run(
        [sys.executable, "-c", code % ([["--help"]], SERVER_PACKAGES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert done.stdout.splitlines()[-2] == "[]"


def till_venv(where: Path) -> Path:
    """A venv holding every package of this one but the server's: its python, as a till's venv is made."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    ours = Path(next(p for p in sys.path if p.endswith("site-packages")))
    theirs = next((where / "lib").glob("python3*/site-packages"))
    for entry in ours.iterdir():
        top = entry.name.split("-")[0].split(".")[0].lower().replace("_binary", "")
        if top not in SERVER_PACKAGES and not entry.name.startswith("__editable__"):
            (theirs / entry.name).symlink_to(entry)
    (theirs / "loyalty_kiosk.pth").write_text(f"{ROOT}\n")
    return where / "bin" / "python"


def _kiosk(env, *args):
    return subprocess.run(
        [env["TILL_PYTHON"], "-m", "kiosk", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_a_till_without_the_server_packages_works_fully(tmp_path):
    config = write_config(tmp_path / "kiosk.toml", tmp_path / "data")
    python = till_venv(tmp_path / "venv")
    env = {**os.environ, "KIOSK_CONFIG": str(config), "TILL_PYTHON": str(python)}
    env.pop("PYTHONPATH", None)
    blocked = subprocess.run([python, "-c", "import sqlalchemy"], env=env, capture_output=True, text=True)
    assert blocked.returncode == 1 and "No module named 'sqlalchemy'" in blocked.stderr

    helped = _kiosk(env, "--help")
    assert helped.returncode == 0 and "central" in helped.stdout and "status" in helped.stdout
    checked = _kiosk(env, "config", "check")
    assert checked.returncode == 0, checked.stderr
    doctor = _kiosk(env, "doctor", "--json")
    assert doctor.returncode in (0, 1), doctor.stderr
    assert {check["name"] for check in json.loads(doctor.stdout)["checks"]}
    status = _kiosk(env, "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["service_running"] is False

    port = int(config.read_text().split("port = ")[1].split()[0])
    server = subprocess.Popen(
        [python, "-m", "kiosk", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = wait_answering(f"http://127.0.0.1:{port}/till/", server, within_s=60, ok_only=False)
        assert page.status_code == 200
        assert json.loads(_kiosk(env, "status", "--json").stdout)["service_running"] is True
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0, server.stderr.read()

    refused = _kiosk(env, "central", "serve")
    assert refused.returncode == 2
    assert "the central server is not installed here (missing: sqlalchemy, alembic, pygal)" in refused.stderr
    assert "Traceback" not in refused.stderr
    demo = _kiosk(env, "demo", "--data-dir", str(tmp_path / "demo"))
    assert demo.returncode == 2 and "the central server is not installed here" in demo.stderr
