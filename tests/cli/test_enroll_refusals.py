"""`kiosk enroll` tells a typo, a bad configuration, an unreachable central and each refused code apart."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from central.devices import create_enrolment_code
from central.transactions import in_transaction
from kiosk.cli import main
from tests.central.databases import sqlite_url  # noqa: F401  (fixture used by central_server)
from tests.cli.conftest import write_config
from tests.cli.test_sync_logs import central_server  # noqa: F401  (fixture)


@pytest.fixture
def till(tmp_path, central_server, monkeypatch):  # noqa: F811
    path = write_config(tmp_path / "kiosk.toml", tmp_path / "data", device_id="till-5", central_url=central_server.url)
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    return path


def _code(server, device_id: str) -> str:
    return in_transaction(server.engine, lambda c: create_enrolment_code(c, device_id))


def test_a_typo_is_not_sent_to_central(till):
    result = CliRunner().invoke(main, ["enroll", "K7QP-M3XZ"])
    assert result.exit_code == 2 and "this is not an enrolment code: it has 8 letters and digits" in result.output
    result = CliRunner().invoke(main, ["enroll", "K7QP-M3XZ-R9T0"])
    assert result.exit_code == 2 and "it has 0, which no code uses" in result.output


def test_each_refused_code_says_why_with_exit_7(till, central_server):  # noqa: F811
    unknown = CliRunner().invoke(main, ["enroll", "AAAA-BBBB-CCCC"])
    assert unknown.exit_code == 7 and "central knows no device 'till-5' waiting for one" in unknown.output
    other = CliRunner().invoke(main, ["enroll", _code(central_server, "till-6")])
    assert other.exit_code == 7 and "was made for device 'till-6', not 'till-5'" in other.output
    code = _code(central_server, "till-5")
    newer = _code(central_server, "till-5")
    stale = CliRunner().invoke(main, ["enroll", code])
    assert stale.exit_code == 7 and "not the code waiting for 'till-5'" in stale.output
    assert CliRunner().invoke(main, ["enroll", newer]).exit_code == 0
    spent = CliRunner().invoke(main, ["enroll", newer])
    assert spent.exit_code == 7 and "not valid any more" in spent.output and "a code is used once" in spent.output


def test_configuration_and_network_failures_have_their_own_codes(till, central_server, tmp_path):  # noqa: F811
    alone = write_config(tmp_path / "alone.toml", tmp_path / "data2")
    result = CliRunner(env={"KIOSK_CONFIG": str(alone)}).invoke(main, ["enroll", "AAAA-BBBB-CCCC"])
    assert result.exit_code == 3 and "central.url is empty" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[device\n")
    assert CliRunner(env={"KIOSK_CONFIG": str(broken)}).invoke(main, ["enroll", "AAAA-BBBB-CCCC"]).exit_code == 3
    central_server.stop()
    down = CliRunner().invoke(main, ["enroll", "AAAA-BBBB-CCCC"])
    assert down.exit_code == 6 and "could not be reached" in down.output
