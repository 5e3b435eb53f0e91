"""A damaged outbox loses no confirmed event: a second copy takes it back, and what both lost is said plainly."""

from __future__ import annotations

import pytest

from device.store import Store
from loyalty.domain.snapshot import PulledBatch

from .conftest import DEVICE, earned, register

JOURNAL, COPY = "outbox.jsonl", "outbox.copy.jsonl"


def _six_confirmed(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register())
        return [store.record(earned(points=n + 1)) for n in range(6)]


def _cut(path, keep_lines: int, extra: bytes = b"") -> None:
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:keep_lines]) + b"\n" + extra)


@pytest.mark.parametrize("damage", ["cut short", "overwritten", "emptied", "deleted"])
def test_one_damaged_journal_loses_no_confirmed_earn(data_dir, damage):
    confirmed = _six_confirmed(data_dir)
    journal = data_dir / JOURNAL
    if damage == "cut short":
        _cut(journal, 4, b'0badc0de {"event":{"type":"Poin')
    elif damage == "overwritten":
        raw = journal.read_bytes()
        journal.write_bytes(raw[:200] + b"\x00garbage" * 40 + raw[520:])
    elif damage == "emptied":
        journal.write_bytes(b"")
    else:
        journal.unlink()
    with Store.open(data_dir, DEVICE) as store:
        held = {e.event_id for e in store.pending()}
        assert all(e.event_id in held for e in confirmed)
        assert store.balance("c1") == 21 and store.stats().lost == ()
        assert any("second copy" in p for p in store.stats().problems)
        assert store.record(earned(points=1)).seq == 8
    for name in (JOURNAL, COPY):  # both copies whole and equal again
        assert (data_dir / name).read_bytes() == (data_dir / JOURNAL).read_bytes()


def test_events_neither_copy_holds_are_reported_and_their_numbers_never_reused(data_dir):
    confirmed = _six_confirmed(data_dir)  # seq 1 registers, 2..7 earn
    _cut(data_dir / JOURNAL, 5)  # header + seq 1..4
    copy = data_dir / COPY
    lines = copy.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"points":4', b'"points":40')  # seq 5 damaged in the copy, 6 and 7 whole
    copy.write_bytes(b"\n".join(lines))
    with Store.open(data_dir, DEVICE) as store:
        stats = store.stats()
        assert stats.lost == (5,)
        assert any("1 event(s) recorded on this device (seq 5) are in neither copy" in p for p in stats.problems)
        assert {e.event_id for e in store.pending()} == {e.event_id for e in confirmed if e.seq != 5} | {
            store.pending()[0].event_id
        }
        assert store.record(earned(points=1)).seq == 8


def test_folded_events_are_not_taken_for_lost_after_a_damaged_snapshot(data_dir):
    with Store.open(data_dir, DEVICE) as store:
        store.record(register())
        store.record(earned(points=3))
        store.apply_batch(PulledBatch(cursor=5, device_seq_through=2))
        store.record(earned(points=4))
    (data_dir / "cache.json").write_bytes(b"{garbage")
    with Store.open(data_dir, DEVICE) as store:
        assert store.stats().lost == () and store.record(earned(points=1)).seq == 4


def test_readmit_takes_back_unsent_events_once_and_in_order(data_dir, tmp_path):
    other = tmp_path / "other"
    with Store.open(other, DEVICE) as old:
        events = [old.record(register())] + [old.record(earned(points=n + 1)) for n in range(3)]
    with Store.open(data_dir, DEVICE) as store:
        assert store.readmit(events[2:]) == 2
        assert store.readmit(events) == 2  # seq 1 and 2; the others are already here
        assert [e.seq for e in store.pending()] == [1, 2, 3, 4] and store.record(earned()).seq == 5
        assert store.balance("c1") == 16
    with Store.open(data_dir, DEVICE) as store:
        assert [e.seq for e in store.pending()] == [1, 2, 3, 4, 5] and store.stats().problems == ()


def test_a_copy_that_refuses_a_line_leaves_the_journal_without_it(data_dir):
    """Disk full on the second copy: the sale is not confirmed, and neither file keeps half of it."""
    import errno
    import os

    from device.store import FileOps
    from loyalty.errors import StoreWriteError

    class CopyFull(FileOps):
        copy_fds: set[int] = set()
        full = False

        def open_append(self, path):
            fd = super().open_append(path)
            if path.name == COPY:
                self.copy_fds.add(fd)
            return fd

        def write(self, fd, data):
            if self.full and fd in self.copy_fds:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            super().write(fd, data)

    ops = CopyFull()
    with Store.open(data_dir, DEVICE, fileops=ops) as store:
        kept = store.record(earned(points=2))
        sizes = {name: (data_dir / name).stat().st_size for name in (JOURNAL, COPY)}
        ops.full = True
        with pytest.raises(StoreWriteError, match="disk full"):
            store.record(earned(points=50))
        assert {name: (data_dir / name).stat().st_size for name in (JOURNAL, COPY)} == sizes
        ops.full = False
        assert store.record(earned(points=1)).seq == kept.seq + 1
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 3 and store.stats().problems == ()


def test_the_loss_is_no_longer_said_once_central_folded_past_it(data_dir):
    _six_confirmed(data_dir)  # seq 1..7
    for name in (JOURNAL, COPY):  # seq 3 gone from both copies
        path = data_dir / name
        path.write_bytes(b"\n".join(line for n, line in enumerate(path.read_bytes().split(b"\n")) if n != 3))
    with Store.open(data_dir, DEVICE) as store:
        assert store.stats().lost == (3,) and any("seq 3" in p for p in store.stats().problems)
        store.apply_batch(PulledBatch(cursor=3, device_seq_through=2))
        assert store.stats().lost == (3,)
        store.apply_batch(PulledBatch(cursor=4, device_seq_through=7))  # recorded as lost at central
        assert store.stats().lost == () and store.stats().problems == ()


def test_a_power_cut_between_the_two_fsyncs_keeps_the_unconfirmed_line_without_a_problem(data_dir):
    """Both files are fsync'd at once: the copy's may land and the journal's not. That last line was never
    confirmed; it is taken back like a line the journal alone held, and said as no damage."""
    confirmed = _six_confirmed(data_dir)  # seq 1..7
    with Store.open(data_dir, DEVICE) as store:
        unconfirmed = store.record(earned(points=100))  # seq 8
    _cut(data_dir / JOURNAL, 8)  # header + seq 1..7: the journal's fsync never happened
    with Store.open(data_dir, DEVICE) as store:
        assert store.stats().problems == () and store.stats().lost == ()
        assert [e.event_id for e in store.pending()[1:]] == [e.event_id for e in confirmed] + [unconfirmed.event_id]
        assert store.balance("c1") == 121 and store.record(earned(points=1)).seq == 9
    assert (data_dir / JOURNAL).read_bytes() == (data_dir / COPY).read_bytes()


def test_an_event_only_the_copy_holds_below_the_journals_last_is_damage_and_said(data_dir):
    confirmed = _six_confirmed(data_dir)  # seq 1..7
    journal = data_dir / JOURNAL
    journal.write_bytes(b"\n".join(line for n, line in enumerate(journal.read_bytes().split(b"\n")) if n != 4))
    with Store.open(data_dir, DEVICE) as store:
        assert [e.event_id for e in store.pending()[1:]] == [e.event_id for e in confirmed]
        assert any("lacked 1 event(s)" in p for p in store.stats().problems)


def test_the_journal_and_its_copy_are_fsynced_at_the_same_time(data_dir):
    """Each fsync waits until the other file's has started: written one after the other, they would never meet."""
    import threading

    from device.store import FileOps

    class Meeting(FileOps):
        barrier = threading.Barrier(2, timeout=5)
        fds: dict[int, str] = {}
        met = 0

        def open_append(self, path):
            fd = super().open_append(path)
            self.fds[fd] = path.name
            return fd

        def fsync(self, fd):
            if self.fds.get(fd) in (JOURNAL, COPY):
                self.barrier.wait()
                type(self).met += 1
            super().fsync(fd)

    with Store.open(data_dir, DEVICE, fileops=Meeting()) as store:
        store.record(register())
        store.record(earned(points=3))
        store.acknowledge([e.event_id for e in store.pending()])
    assert Meeting.met == 6
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 3 and store.pending_count() == 0


def test_a_copy_whose_fsync_fails_leaves_neither_file_with_the_line(data_dir):
    import errno
    import os

    from device.store import FileOps
    from loyalty.errors import StoreWriteError

    class CopyFsyncFails(FileOps):
        copy_fds: set[int] = set()
        failing = False

        def open_append(self, path):
            fd = super().open_append(path)
            if path.name == COPY:
                self.copy_fds.add(fd)
            return fd

        def fsync(self, fd):
            if self.failing and fd in self.copy_fds:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            super().fsync(fd)

    ops = CopyFsyncFails()
    with Store.open(data_dir, DEVICE, fileops=ops) as store:
        kept = store.record(earned(points=2))
        sizes = {name: (data_dir / name).stat().st_size for name in (JOURNAL, COPY)}
        ops.failing = True
        with pytest.raises(StoreWriteError, match="write error"):
            store.record(earned(points=50))
        assert {name: (data_dir / name).stat().st_size for name in (JOURNAL, COPY)} == sizes
        assert store.balance("c1") == 2
        ops.failing = False
        assert store.record(earned(points=1)).seq == kept.seq + 1
    with Store.open(data_dir, DEVICE) as store:
        assert store.balance("c1") == 3 and store.stats().problems == ()
