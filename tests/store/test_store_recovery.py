"""Damaged files at start: a torn tail is dropped, a damaged line or snapshot is moved aside and reported."""

from __future__ import annotations

import logging

from device.store import Store
from device.store.journal import decode_line
from loyalty.domain.snapshot import CustomerState, PulledBatch

from .conftest import DEVICE, earned, register


def _journal(data_dir):
    return data_dir / "outbox.jsonl"


def test_torn_last_line_is_dropped_with_a_warning(data_dir, caplog):
    with Store.open(data_dir, DEVICE) as store:
        events = [store.record(earned(points=1)) for _ in range(3)]
    with open(_journal(data_dir), "ab") as handle:
        handle.write(b'1234abcd {"event":{"type":"PointsEar')
    caplog.set_level(logging.WARNING, logger="device.store")
    with Store.open(data_dir, DEVICE) as store:
        assert store.pending() == events and store.balance("c1") == 3
        assert any("incomplete last line" in p for p in store.stats().problems)
        assert store.record(earned(points=1)).seq == 4
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    assert not list(data_dir.glob("*.corrupt-*"))
    raw = _journal(data_dir).read_bytes()
    assert all(decode_line(line) for line in raw.split(b"\n")[:-1])


def test_zeros_after_a_power_cut_count_as_a_torn_tail(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(earned(points=2))
    with open(_journal(data_dir), "ab") as handle:
        handle.write(b"\0" * 100 + b"\n")
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 2 and not list(data_dir.glob("*.corrupt-*"))


def test_damaged_middle_line_is_moved_aside_and_the_rest_kept(data_dir, caplog):
    with Store.open(data_dir, DEVICE) as store:
        events = [store.record(earned(points=n + 1)) for n in range(4)]
    lines = _journal(data_dir).read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"points":2', b'"points":9')  # CRC no longer matches
    original = b"\n".join(lines)
    _journal(data_dir).write_bytes(original)
    (data_dir / "outbox.copy.jsonl").write_bytes(original)  # both copies hit: the line is gone
    caplog.set_level(logging.ERROR, logger="device.store")
    with Store.open(data_dir, DEVICE) as store:
        assert [e.event_id for e in store.pending()] == [events[0].event_id, events[2].event_id, events[3].event_id]
        assert store.balance("c1") == 1 + 3 + 4
        problems = store.stats().problems
        assert len(problems) == 3 and "damaged at line(s) 3" in problems[0]
        assert "1 event(s) recorded on this device (seq 2)" in problems[2] and store.stats().lost == (2,)
        assert store.record(earned(points=1)).seq == 5  # numbering never goes back
    aside = list(data_dir.glob("outbox.jsonl.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == original
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    with Store.open(data_dir, DEVICE) as store:
        assert store.stats().lost == (2,) and store.balance("c1") == 9  # said again until found or folded


def test_damaged_header_is_rebuilt(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(earned(points=5))
        store.record(earned(points=6))
    raw = _journal(data_dir).read_bytes()
    _journal(data_dir).write_bytes(b"garbage" + raw[7:])
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 11 and store.stats().problems
        assert store.record(earned(points=1)).seq == 3


def _with_pulled_state(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register())
        store.record(earned(points=10))
        store.apply_batch(
            PulledBatch(
                cursor=42,
                customers=(CustomerState("c1", 110, "Hélène"), CustomerState("p1", 5, "Paul")),
                device_seq_through=2,
            )
        )
        pending = store.record(earned(points=1))
    return pending


def test_damaged_snapshot_is_moved_aside_and_rebuilt_empty(data_dir, caplog):
    pending = _with_pulled_state(data_dir)
    snapshot = data_dir / "cache.json"
    snapshot.write_bytes(snapshot.read_bytes()[:-40] + b"#" * 40)
    caplog.set_level(logging.ERROR, logger="device.store")
    with Store.open(data_dir, DEVICE) as store:
        assert store.cursor == 0 and store.seq_through == 0  # the next pull rebuilds everything
        assert store.pending() == [pending] and store.customer("p1") is None
        assert any("cache snapshot" in p and "moved aside" in p for p in store.stats().problems)
        assert store.record(earned(points=1)).seq == 4
        store.apply_batch(PulledBatch(cursor=43, customers=(CustomerState("c1", 111, "Hélène"),), device_seq_through=3))
        assert store.balance("c1") == 112
    assert len(list(data_dir.glob("cache.json.corrupt-*"))) == 1
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_snapshot_with_wrong_shapes_is_treated_as_damaged(data_dir):
    _with_pulled_state(data_dir)
    (data_dir / "cache.json").write_text(
        '{"meta": {"1": {"schema": 1, "device_id": "till-1", "cursor": 4, '
        '"seq_through": 2}}, "customers": {"1": {"rows": [[1, 2]]}}}'
    )
    with Store.open(data_dir, DEVICE) as store:
        assert store.cursor == 0 and store.stats().problems


def test_empty_and_leftover_temp_files_are_harmless(data_dir):
    _with_pulled_state(data_dir)
    (data_dir / "cache.json.tmp").write_bytes(b'{"half":')
    with Store.open(data_dir, DEVICE) as store:
        assert store.cursor == 42 and store.balance("c1") == 111 and store.stats().problems == ()
    assert not (data_dir / "cache.json.tmp").exists()
    _journal(data_dir).write_bytes(b"")
    (data_dir / "outbox.copy.jsonl").write_bytes(b"")
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 110 and store.record(earned(points=1)).seq == 3
        assert any("journal and its copy were missing or empty" in p for p in store.stats().problems)


def test_empty_snapshot_file_is_reported_not_taken_as_absent(data_dir):
    _with_pulled_state(data_dir)
    (data_dir / "cache.json").write_bytes(b"")
    with Store.open(data_dir, DEVICE) as store:
        assert store.cursor == 0 and any("empty" in p for p in store.stats().problems)
