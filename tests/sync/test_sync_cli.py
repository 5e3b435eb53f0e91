"""`kiosk sync enrol` and `kiosk sync status` against a real central."""

from __future__ import annotations

from click.testing import CliRunner

from central.devices import create_enrolment_code
from central.transactions import in_transaction
from device.sync.setup import build_worker
from kiosk.sync_cli import sync


def _config_file(tmp_path, url: str):
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[device]\nid = "till-7"\n[paths]\ndata_dir = "{tmp_path / "data"}"\n[central]\nurl = "{url}"\ntimeout_s = 5\n'
    )
    return {"KIOSK_CONFIG": str(path)}


def test_enrol_then_status_shows_the_last_round(tmp_path, central_server, open_store):
    from device.config import load_config

    env = _config_file(tmp_path, central_server.url)
    runner = CliRunner()
    assert "no sync has run yet" in runner.invoke(sync, ["status"], env=env).output
    refused = runner.invoke(sync, ["enrol", "bad-code"], env=env)
    assert refused.exit_code == 2 and "this is not an enrolment code" in refused.output
    code = in_transaction(central_server.engine, lambda c: create_enrolment_code(c, "till-7"))
    assert runner.invoke(sync, ["enrol", code], env=env).exit_code == 0
    config = load_config(tmp_path / "kiosk.toml")
    build_worker(config, open_store("till-7")).sync_once()
    shown = runner.invoke(sync, ["status"], env=env).output
    assert "enrolled:       yes" in shown and "state:          idle" in shown and "pending events: 0" in shown


def test_status_without_central(tmp_path):
    result = CliRunner().invoke(sync, ["status"], env=_config_file(tmp_path, ""))
    assert "works alone" in result.output
