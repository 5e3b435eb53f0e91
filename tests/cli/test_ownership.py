"""Commands run with sudo leave the data directory's files to the service's user."""

from __future__ import annotations

import os

from click.testing import CliRunner

from device.store import Store
from kiosk.cli import main
from kiosk.service import store_dir
from tests.cli.helpers import record_sales

SERVICE_UID = SERVICE_GID = 65534  # "nobody" stands for the kiosk user


def test_files_made_by_root_go_back_to_the_data_directory_owner(cli_config, tmp_path):
    if os.geteuid() != 0:  # without sudo nothing is handed back: the files are already the user's
        from device.service_lock import hand_back

        cli_config.data_dir.mkdir(parents=True)
        (cli_config.data_dir / "f").write_text("x")
        hand_back(cli_config.data_dir)
        assert (cli_config.data_dir / "f").stat().st_uid == os.geteuid()
        return
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 2)
    assert CliRunner().invoke(main, ["backup", str(tmp_path / "b.tgz")]).exit_code == 0
    for top, dirs, files in os.walk(cli_config.data_dir):
        for name in [top, *(os.path.join(top, n) for n in dirs + files)]:
            os.lchown(name, SERVICE_UID, SERVICE_GID)
    assert CliRunner().invoke(main, ["restore", str(tmp_path / "b.tgz")]).exit_code == 0
    assert CliRunner().invoke(main, ["test-printer"]).exit_code == 0
    owned_by_root = [
        os.path.join(top, n)
        for top, dirs, files in os.walk(cli_config.data_dir)
        for n in dirs + files
        if os.lstat(os.path.join(top, n)).st_uid == 0
    ]
    assert owned_by_root == []
