"""Two copies of the outbox journal, so one damaged file (an SD card's bad block, a cut, a wrong `>`) loses nothing.

Every line is written to `outbox.jsonl` and then to `outbox.copy.jsonl`, and then both files are fsync'd at
once (the copy on a small thread of its own, `CopySyncer`): the disk commits the two together, in about the
time of one. The store answers only after both fsyncs returned, so a confirmed line is in both files. A
compaction rewrites both, the journal first.

Why the order is safe: a process killed between the two writes leaves the copy one line behind the journal,
never ahead. A power cut during the two fsyncs may leave the line being written in either file alone: it was
never confirmed, it is the last line of that file, numbered above all the other file holds (`in_flight`), and
the next open takes it back without a word, as the journal alone could always hold such a line. An event
only the copy holds below that is damage to the journal: taken back, and said.

On opening, two files with the same bytes (the usual case) are read once; otherwise each copy is recovered on
its own (`OutboxJournal`), then the two are merged by event id: an event either copy holds is kept, and the
copies are rewritten equal again. The highest sequence number either copy (or the snapshot) saw is the
store's high-water mark: numbering goes on after it, and any number between the events folded at central and
that mark that neither copy holds is a lost event, said plainly (`lost_seqs`). What is lost when both copies
go is what `kiosk salvage` may still find in the moved-aside files.
"""

from __future__ import annotations

import filecmp
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from device.store.fileops import FileOps
from device.store.journal import JournalContents, OutboxJournal, encode_line, seq_of
from loyalty.domain.events import Event
from loyalty.errors import StoreWriteError

logger = logging.getLogger(__name__)

JOURNAL_NAME = "outbox.jsonl"
COPY_NAME = "outbox.copy.jsonl"


class CopySyncer:
    """A thread that runs one job (the copy's fsync) while the caller runs another (the journal's)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def both(self, here: Callable[[], None], there: Callable[[], None]) -> list[BaseException]:
        """Run `here` in this thread and `there` in the syncer's at the same time; the errors of both."""
        if self._thread is None or self._pid != os.getpid():  # started lazily, and again in a forked child
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-copy-fsync", daemon=True)
            self._thread.start()
        self._jobs.put(there)
        errors: list[BaseException] = []
        try:
            here()
        except BaseException as exc:  # noqa: BLE001 - handed back with the other job's error
            errors.append(exc)
        other = self._done.get()
        if other is not None:
            errors.append(other)
        return errors

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller, which raises it
                self._done.put(exc)
            else:
                self._done.put(None)

    def close(self) -> None:
        """End the thread; calling it again does nothing."""
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            self._jobs.put(None)
            thread.join()


class OutboxCopies:
    """The journal and its second copy behind the journal's own interface (append, acknowledge, rewrite)."""

    def __init__(self, primary: OutboxJournal, copy: OutboxJournal) -> None:
        self.primary = primary
        self.copy = copy
        self._syncer = CopySyncer()

    @classmethod
    def open(
        cls, data_dir: Path, device_id: str, fileops: FileOps, seq_through: int = 0
    ) -> tuple[OutboxCopies, JournalContents]:
        """Open (recovering) both copies and return them with the merged contents.

        Events at or below `seq_through` are folded at central: one copy holding them and not the other is
        a compaction cut between the two rewrites, not damage.
        """
        primary_path, copy_path = data_dir / JOURNAL_NAME, data_dir / COPY_NAME
        if _same_bytes(primary_path, copy_path):
            primary, first = OutboxJournal.open(primary_path, device_id, fileops)
            if not first.created and not first.problems:  # nothing to repair: the copy holds the same lines
                return cls(primary, OutboxJournal.open_unread(copy_path, device_id, fileops)), first
        else:
            primary, first = OutboxJournal.open(primary_path, device_id, fileops)
        copy, second = OutboxJournal.open(copy_path, device_id, fileops)
        copies = cls(primary, copy)
        merged = _merge(first, second)
        # A missing copy (a store from before it existed, or a deleted copy) is made again below: nothing lost.
        if first.created and not second.created:
            merged.problems.append(
                f"{JOURNAL_NAME} was missing or empty: its {len(merged.events)} event(s) "
                f"were taken back from the second copy {COPY_NAME}"
            )
        only_copy = _only_in(second, first, seq_through)
        if only_copy and not first.created:
            unconfirmed = in_flight(only_copy, first)
            if unconfirmed is not None:
                logger.warning(
                    "the event being recorded when the device stopped (seq %d) reached only %s; "
                    "kept, as it was never confirmed",
                    unconfirmed.seq,
                    COPY_NAME,
                )
                only_copy.remove(unconfirmed)
            if only_copy:
                merged.problems.append(
                    f"{JOURNAL_NAME} lacked {len(only_copy)} event(s) that its second copy "
                    f"{COPY_NAME} held: taken back, nothing lost"
                )
        if _differ(first, merged) or _differ(second, merged):
            copies.rewrite(merged.base_seq, merged.events, merged.acked, merged.seq_through)
        for problem in merged.problems[len(first.problems) + len(second.problems) :]:
            logger.warning("%s", problem)
        return copies, merged

    def append_record(self, record: dict) -> None:
        """Append one event line to both copies; if either refuses, neither keeps it."""
        self._both(encode_line({"event": record}), "event")

    def append_ack(self, event_ids: Iterable[str]) -> None:
        self._both(encode_line({"ack": list(event_ids)}), "acknowledgement")

    def _both(self, line: bytes, what: str) -> None:
        start = self.primary.write_line(line, what)
        try:
            copy_start = self.copy.write_line(line, what)
        except StoreWriteError:
            self.primary.cut_back(start)
            raise
        errors = self._syncer.both(lambda: self.primary.sync(start, what), lambda: self.copy.sync(copy_start, what))
        if errors:
            # The one whose fsync failed has cut its line back already; the other one is cut back too.
            for journal, at in ((self.primary, start), (self.copy, copy_start)):
                try:
                    journal.cut_back(at)
                except StoreWriteError:
                    pass  # logged by the journal, which repairs itself before its next write
            raise errors[0]

    def rewrite(self, base_seq: int, events: Iterable[Event], acked: set[str], seq_through: int = 0) -> None:
        """Rewrite both copies; the copy is written second, so a failure leaves at least one whole."""
        events = list(events)
        self.primary.rewrite(base_seq, events, acked, seq_through)
        self.copy.rewrite(base_seq, events, acked, seq_through)

    def close(self) -> None:
        self._syncer.close()
        self.primary.close()
        self.copy.close()


def _same_bytes(one: Path, other: Path) -> bool:
    """True when both files exist and hold the same bytes (compared in small blocks, never read whole)."""
    try:
        return filecmp.cmp(one, other, shallow=False)
    except OSError:
        return False


def in_flight(only_copy: list[Event], journal: JournalContents) -> Event | None:
    """The one event of `only_copy` a power cut during the two fsyncs explains, or None.

    It is the line that was being appended: the copy's only extra event, numbered above everything the
    journal holds (its high-water mark included).
    """
    if len(only_copy) != 1:
        return None
    high_water = max([journal.base_seq] + [seq_of(e) for e in journal.events])
    return only_copy[0] if seq_of(only_copy[0]) > high_water else None


def _merge(first: JournalContents, second: JournalContents) -> JournalContents:
    events = {e.event_id: e for e in second.events}
    events.update((e.event_id, e) for e in first.events)  # the journal's own line wins (e.g. scrubbed)
    merged = JournalContents(
        base_seq=max(first.base_seq, second.base_seq),
        seq_through=max(first.seq_through, second.seq_through),
        events=sorted(events.values(), key=seq_of),
        acked=(first.acked | second.acked) & events.keys(),
        problems=[*first.problems, *second.problems],
        created=first.created and second.created,
    )
    return merged


def _only_in(one: JournalContents, other: JournalContents, seq_through: int) -> list[Event]:
    """Events of `one` above `seq_through` that `other` lacks, in seq order."""
    held = {e.event_id for e in other.events}
    return [e for e in one.events if seq_of(e) > seq_through and e.event_id not in held]


def _differ(one: JournalContents, merged: JournalContents) -> bool:
    return (
        one.base_seq != merged.base_seq
        or one.seq_through != merged.seq_through
        or len(one.events) != len(merged.events)
        or one.acked != merged.acked
    )


def lost_seqs(seq_through: int, high_water: int, events: Iterable[Event]) -> list[int]:
    """Sequence numbers recorded here, not yet folded at central, that no copy holds any more."""
    held = {e.seq for e in events}
    return [seq for seq in range(seq_through + 1, high_water + 1) if seq not in held]


def seq_ranges(seqs: list[int]) -> str:
    """`3-5, 9` for [3, 4, 5, 9]."""
    parts: list[str] = []
    start = prev = None
    for seq in seqs:
        if prev is not None and seq == prev + 1:
            prev = seq
            continue
        if start is not None:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = seq
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)
