"""The CLI: help, config check, and errors turned into one line and an exit code."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kiosk.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


def test_config_check_accepts_the_example():
    result = CliRunner().invoke(main, ["config", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "OK (device till-1, role till, hardware pi)" in result.output


def test_config_check_names_the_wrong_key_and_exits_3(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[hardware]\nmode = "raspberry"\n')
    result = CliRunner().invoke(main, ["config", "check", str(path)])
    assert result.exit_code == 3
    assert "hardware.mode = 'raspberry' is not allowed; allowed: 'pi', 'emulated'" in result.output


def test_config_check_uses_kiosk_config(tmp_path):
    result = CliRunner(env={"KIOSK_CONFIG": str(tmp_path / "none.toml")}).invoke(main, ["config", "check"])
    assert result.exit_code == 3
    assert "none.toml not found" in result.output


def test_python_dash_m_kiosk_is_the_same_cli():
    done = subprocess.run([sys.executable, "-m", "kiosk", "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "serve", "config"):
        assert command in done.stdout


def _commands(group, path=()):
    import click

    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help():
    for path, command in _commands(main):
        assert command.help and command.help.strip(), f"kiosk {' '.join(path)} has no help"
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


def test_the_issue_commands_are_all_there():
    names = {" ".join(path) for path, _ in _commands(main)}
    for wanted in (
        "status",
        "doctor",
        "test-reader",
        "test-printer",
        "sync",
        "enroll",
        "backup",
        "restore",
        "logs",
        "config check",
        "demo",
        "serve",
        "sync enrol",
        "sync status",
    ):
        assert wanted in names
