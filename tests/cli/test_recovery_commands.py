"""A technician's recovery: `kiosk status` shows what central lacks and what is out of stock, `kiosk salvage`
sends what a damaged outbox still holds, `kiosk doctor` asks central for real."""

from __future__ import annotations

import json

from click.testing import CliRunner

from central import reference_data
from central.transactions import in_transaction
from device.store import Store
from kiosk.cli import main
from kiosk.service import store_dir
from tests.central.databases import sqlite_url  # noqa: F401  (fixture used by central_server)
from tests.cli.conftest import start_service, stop_service
from tests.cli.helpers import record_sales
from tests.cli.test_sync_logs import central_server, enrolled  # noqa: F401  (fixtures)


def _damage_both_copies_at(config, line: int) -> None:
    """An SD card's bad block over the same line of both outbox files: its check digits are gone."""
    for name in ("outbox.jsonl", "outbox.copy.jsonl"):
        path = store_dir(config) / name
        lines = path.read_bytes().split(b"\n")
        lines[line] = b"00000000" + lines[line][8:]
        path.write_bytes(b"\n".join(lines))


def test_a_lost_event_is_reported_everywhere_and_salvage_sends_it(enrolled):
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        record_sales(store, enrolled, 6)
        lost = store.pending()[-3]
    _damage_both_copies_at(enrolled, lost.seq)  # line n holds seq n (line 0 is the header)
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        assert store.stats().lost == (lost.seq,)
    assert CliRunner().invoke(main, ["sync"]).exit_code == 0

    status = CliRunner().invoke(main, ["status"])
    assert status.exit_code == 0, status.output
    assert "are in neither copy of the outbox" in status.output
    assert f"central lacks:  1 event(s) of this device (seq {lost.seq})" in status.output

    listed = CliRunner().invoke(main, ["salvage"])
    assert listed.exit_code == 0, listed.output
    assert "1 from damaged lines (unchecked)" in listed.output and "kiosk salvage --send" in listed.output
    sent = CliRunner().invoke(main, ["salvage", "--send", "--unchecked"])
    assert sent.exit_code == 0, sent.output
    assert "were new to it" in sent.output and "1 were new" in sent.output
    status = json.loads(CliRunner().invoke(main, ["status", "--json"]).output)
    assert status["central"]["missing"] == 0 and status["central"]["seq_through"] == lost.seq + 2
    again = CliRunner().invoke(main, ["salvage", "--send", "--unchecked"])
    assert "0 were new to it" in again.output  # safe to repeat
    assert CliRunner().invoke(main, ["sync"]).exit_code == 0  # central now holds all: the device folds past it
    assert "neither copy" not in CliRunner().invoke(main, ["status"]).output


def test_salvage_with_nothing_set_aside_says_so(enrolled):
    result = CliRunner().invoke(main, ["salvage", "--send"])
    assert result.exit_code == 0 and "nothing to salvage" in result.output


def test_status_shows_an_empty_voucher_stock(enrolled, central_server):
    in_transaction(
        central_server.engine,
        lambda c: reference_data.put_reward(
            c,
            "holiday-50",
            {
                "kind": "partner_voucher",
                "name": "Séjour",
                "points_price": 900,
                "partner": "holidays",
                "face_value_cents": 5000,
            },
        ),
    )
    result = CliRunner().invoke(main, ["status"])
    assert "reward:         Séjour (holiday-50): out of stock" in result.output


def test_doctor_asks_central_for_real_after_a_clean_stop(enrolled):
    running = start_service(enrolled, devices=False)
    try:
        running.service.sync.sync_once()
    finally:
        stop_service(running)  # the saved sync state now says "stopped"
    result = CliRunner().invoke(main, ["doctor", "--json"])
    central = next(c for c in json.loads(result.output)["checks"] if c["name"] == "central")
    assert central["status"] == "ok", central


def test_a_loss_recorded_at_central_ends_the_warning_on_the_device(enrolled, central_server):
    from central.sequence_gaps import record_lost

    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        record_sales(store, enrolled, 4)
        lost = store.pending()[-2]
    for name in ("outbox.jsonl", "outbox.copy.jsonl"):  # both copies lose the line for good
        path = store_dir(enrolled) / name
        path.write_bytes(b"\n".join(line for n, line in enumerate(path.read_bytes().split(b"\n")) if n != lost.seq))
    assert CliRunner().invoke(main, ["sync"]).exit_code == 0
    assert "central lacks:  1 event(s)" in CliRunner().invoke(main, ["status"]).output
    in_transaction(central_server.engine, lambda c: record_lost(c, enrolled.device.id, "anna"))
    assert CliRunner().invoke(main, ["sync"]).exit_code == 0
    status = CliRunner().invoke(main, ["status"]).output
    assert "neither copy" not in status and "central holds:  every event of this device up to seq" in status
    with Store.open(store_dir(enrolled), enrolled.device.id) as store:
        assert store.stats().lost == () and store.pending_count() == 0 and store.seq_through == lost.seq + 1
