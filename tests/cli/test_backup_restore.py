"""`kiosk backup` / `kiosk restore`: consistent snapshots with the service running or stopped, device checks."""

from __future__ import annotations

import io
import tarfile
import threading
import time

import pytest
from click.testing import CliRunner

from device.store import Store
from kiosk.backup import copy_store_files
from kiosk.cli import main
from kiosk.service import store_dir
from tests.cli.conftest import start_service, stop_service, write_config
from tests.cli.helpers import balances, record_sales


def _state(config) -> tuple[dict, int, int]:
    with Store.open(store_dir(config), config.device.id) as store:
        return balances(store), store.pending_count(), store.stats().last_seq


def test_backup_while_the_service_runs_restores_to_the_same_state(cli_config, tmp_path):
    running = start_service(cli_config)
    try:
        record_sales(running.service.store, cli_config, 7)
        expected = balances(running.service.store), running.service.store.pending_count()
        result = CliRunner().invoke(main, ["backup", str(tmp_path / "b.tar.gz")])
        assert result.exit_code == 0, result.output
        assert "backup of device till-9" in result.output and "7 events not yet sent" in result.output
        record_sales(running.service.store, cli_config, 3, start=7)  # after the backup: not in it
        after = balances(running.service.store), running.service.store.pending_count()
        refused = CliRunner().invoke(main, ["restore", str(tmp_path / "b.tar.gz")])
        assert refused.exit_code == 8
        assert "sudo systemctl stop kiosk" in refused.output
    finally:
        stop_service(running)
    assert _state(cli_config)[1] == 10 and expected != after
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 0, result.output
    assert "10 events not yet sent" in result.output and "previous files are kept in" in result.output
    assert "kept 3 newer unsent event(s) of the replaced store" in result.output
    got_balances, got_pending, _ = _state(cli_config)
    assert (got_balances, got_pending) == after  # the 3 sales made after the backup are merged back
    kept = list(store_dir(cli_config).glob("before-restore-*"))
    assert len(kept) == 1
    with Store.open(kept[0], cli_config.device.id) as before:
        assert before.pending_count() == 10  # nothing lost: the replaced store is kept whole


def test_backup_with_the_service_stopped_holds_the_lock_and_restores(cli_config, tmp_path):
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 4)
    expected = _state(cli_config)
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 0, result.output
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 2, start=4)
    after = _state(cli_config)
    assert CliRunner().invoke(main, ["restore", str(tmp_path / "b.tar.gz")]).exit_code == 0
    assert _state(cli_config) == after != expected  # the 2 later sales are merged, not dropped


def test_restore_refuses_another_devices_backup_unless_forced(cli_config, tmp_path):
    other = write_config(tmp_path / "other.toml", tmp_path / "other-data", device_id="till-2")
    from device.config import load_config

    other_config = load_config(other)
    with Store.open(store_dir(other_config), "till-2") as store:
        record_sales(store, other_config, 3)
    assert CliRunner(env={"KIOSK_CONFIG": str(other)}).invoke(main, ["backup", str(tmp_path / "o.tgz")]).exit_code == 0
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 2)
    before = _state(cli_config)

    refused = CliRunner().invoke(main, ["restore", str(tmp_path / "o.tgz")])
    assert refused.exit_code == 4
    assert "backup is of device 'till-2', not of this device 'till-9'" in refused.output
    assert "--force" in refused.output
    assert _state(cli_config) == before  # untouched

    unsent = CliRunner().invoke(main, ["restore", "--force", str(tmp_path / "o.tgz")])
    assert unsent.exit_code == 4  # this device's 2 unsent sales cannot go into till-2's store
    assert "holds 2 event(s) of device 'till-9' not yet sent" in unsent.output and "kiosk sync" in unsent.output
    assert _state(cli_config) == before
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        store.acknowledge([e.event_id for e in store.pending()])  # as a sync round would
    forced = CliRunner().invoke(main, ["restore", "--force", str(tmp_path / "o.tgz")])
    assert forced.exit_code == 0, forced.output
    assert 'set device.id = "till-2"' in forced.output
    with Store.open(store_dir(cli_config), "till-2") as store:
        assert store.pending_count() == 3
    import json

    doctor = CliRunner().invoke(main, ["doctor", "--json"])
    store_check = next(c for c in json.loads(doctor.output)["checks"] if c["name"] == "store")
    assert store_check["status"] == "fail"
    assert 'set device.id = "till-2"' in store_check["fix"] and "restart kiosk" in store_check["fix"]
    # Restoring this device's own backup back over till-2's store: till-2's 3 unsent sales are not dropped.
    assert CliRunner().invoke(main, ["backup", str(tmp_path / "mine.tgz")]).exit_code != 0  # not our store
    again = CliRunner().invoke(main, ["restore", str(tmp_path / "o.tgz")])
    assert again.exit_code == 4 and "this backup is of device 'till-2'" in again.output
    mine = write_config(tmp_path / "mine.toml", tmp_path / "mine-data")
    with Store.open(store_dir(load_config(mine)), "till-9") as store:
        record_sales(store, load_config(mine), 1)
    assert CliRunner(env={"KIOSK_CONFIG": str(mine)}).invoke(main, ["backup", str(tmp_path / "m.tgz")]).exit_code == 0
    back = CliRunner().invoke(main, ["restore", str(tmp_path / "m.tgz")])
    assert back.exit_code == 4
    assert "holds 3 event(s) of device 'till-2' not yet sent" in back.output and 'device.id = "till-2"' in back.output


def test_restore_rejects_a_damaged_or_foreign_file(cli_config, tmp_path):
    with Store.open(store_dir(cli_config), cli_config.device.id) as store:
        record_sales(store, cli_config, 1)
    good = tmp_path / "b.tgz"
    assert CliRunner().invoke(main, ["backup", str(good)]).exit_code == 0
    not_tar = tmp_path / "notes.txt"
    not_tar.write_text("hello")
    result = CliRunner().invoke(main, ["restore", str(not_tar)])
    assert result.exit_code == 4 and "not a readable kiosk backup" in result.output
    # A backup whose journal was altered fails its checksum: its second copy stands in; both altered, refused.
    for name, altered in (
        ("one-copy.tgz", ("store/outbox.jsonl",)),
        ("both-copies.tgz", ("store/outbox.jsonl", "store/outbox.copy.jsonl")),
    ):
        damaged = tmp_path / name
        with tarfile.open(good) as src, tarfile.open(damaged, "w:gz") as dst:
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name in altered:
                    data = data.replace(b"R-00000", b"R-99999")
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "one-copy.tgz")])
    assert result.exit_code == 0 and "its second copy was used, nothing lost" in result.output
    assert _state(cli_config)[1] == 1
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "both-copies.tgz")])
    assert result.exit_code == 4 and "does not match its checksum" in result.output
    assert CliRunner().invoke(main, ["restore", str(tmp_path / "missing.tgz")]).exit_code == 4


def test_backup_into_a_directory_names_the_fix(cli_config, tmp_path):
    result = CliRunner().invoke(main, ["backup", str(tmp_path)])
    assert result.exit_code != 0
    assert "directory" in result.output


def test_copy_while_writing_is_always_a_state_that_was_on_disk(cli_config, tmp_path):
    """Copies taken while sales are recorded and central folds them: each opens with no sale missing.

    A torn copy (an old snapshot with a journal already compacted past it) would lack the sales between the
    two; so in every copy the pending sequence numbers must run, without a gap, from the snapshot's
    seq_through to the last one.
    """
    from loyalty.domain.snapshot import PulledBatch

    store = Store.open(store_dir(cli_config), cli_config.device.id)
    record_sales(store, cli_config, 1)
    stop = threading.Event()

    written = [1]

    def writer():
        n = 1
        while not stop.is_set():
            record_sales(store, cli_config, 1, start=n)
            n += 1
            written[0] = n
            if n % 4 == 0:  # central folded all but the last two sales
                store.apply_batch(PulledBatch(cursor=n, device_seq_through=store.stats().last_seq - 2))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = []
        deadline = time.monotonic() + 60
        i = 0
        # At least 25 copies, and on until the writer has gone through several folds (a slow machine).
        while i < 25 or written[0] < 12:
            assert time.monotonic() < deadline, "the writer made too little progress"
            i += 1
            made = tmp_path / f"r{i}"
            made.mkdir()
            for name, data in copy_store_files(store_dir(cli_config)).items():
                (made / name).write_bytes(data)
            with Store.open(made, cli_config.device.id) as copy:
                assert copy.stats().problems == ()
                pending = [e.seq for e in copy.pending()]
                assert pending == list(range(copy.seq_through + 1, copy.stats().last_seq + 1))
                seen.append(copy.stats().last_seq)
    finally:
        stop.set()
        thread.join()
        store.close()
    assert seen == sorted(seen) and seen[-1] > 4


def test_copy_store_files_of_an_empty_directory(tmp_path):
    assert copy_store_files(tmp_path) == {}


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_help_says_how_it_works(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "service" in result.output
