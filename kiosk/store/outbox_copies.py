"""Two copies of the outbox journal, so one damaged file (an SD card's bad block, a cut, a wrong `>`) loses nothing.

Every line goes to `outbox.jsonl` and then to `outbox.copy.jsonl`, each fsync'd, before the store answers; a
compaction rewrites both. On opening, each copy is recovered on its own (`OutboxJournal`), then the two are
merged by event id: an event either copy holds is kept, and the copies are rewritten equal again. The
highest sequence number either copy (or the snapshot) saw is the store's high-water mark: numbering goes on
after it, and any number between the events folded at central and that mark that neither copy holds is a
lost event, said plainly (`lost_seqs`). What is lost when both copies go is what `kiosk salvage` may still
find in the moved-aside files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from kiosk.domain.events import Event
from kiosk.errors import StoreWriteError
from kiosk.store.fileops import FileOps
from kiosk.store.journal import JournalContents, OutboxJournal, seq_of

logger = logging.getLogger(__name__)

JOURNAL_NAME = "outbox.jsonl"
COPY_NAME = "outbox.copy.jsonl"


class OutboxCopies:
    """The journal and its second copy behind the journal's own interface (append, acknowledge, rewrite)."""

    def __init__(self, primary: OutboxJournal, copy: OutboxJournal) -> None:
        self.primary = primary
        self.copy = copy

    @classmethod
    def open(cls, data_dir: Path, device_id: str, fileops: FileOps,
             seq_through: int = 0) -> tuple[OutboxCopies, JournalContents]:
        """Open (recovering) both copies and return them with the merged contents.

        Events at or below `seq_through` are folded at central: one copy holding them and not the other is
        a compaction cut between the two rewrites, not damage.
        """
        primary, first = OutboxJournal.open(data_dir / JOURNAL_NAME, device_id, fileops)
        copy, second = OutboxJournal.open(data_dir / COPY_NAME, device_id, fileops)
        copies = cls(primary, copy)
        merged = _merge(first, second)
        # A missing copy (a store from before it existed, or a deleted copy) is made again below: nothing lost.
        if first.created and not second.created:
            merged.problems.append(f"{JOURNAL_NAME} was missing or empty: its {len(merged.events)} event(s) "
                                   f"were taken back from the second copy {COPY_NAME}")
        missing = _only_in(second, first, seq_through)
        if missing and not first.created:
            merged.problems.append(f"{JOURNAL_NAME} lacked {missing} event(s) that its second copy {COPY_NAME} "
                                   "held: taken back, nothing lost")
        if _differ(first, merged) or _differ(second, merged):
            copies.rewrite(merged.base_seq, merged.events, merged.acked, merged.seq_through)
        for problem in merged.problems[len(first.problems) + len(second.problems):]:
            logger.warning("%s", problem)
        return copies, merged

    def append_record(self, record: dict) -> None:
        """Append one event line to both copies; if the copy refuses, the journal is cut back (nothing kept)."""
        self._both(lambda journal: journal.append_record(record))

    def append_ack(self, event_ids: Iterable[str]) -> None:
        ids = list(event_ids)
        self._both(lambda journal: journal.append_ack(ids))

    def _both(self, append) -> None:
        start = self.primary.size
        append(self.primary)
        try:
            append(self.copy)
        except StoreWriteError:
            self.primary.cut_back(start)
            raise

    def rewrite(self, base_seq: int, events: Iterable[Event], acked: set[str], seq_through: int = 0) -> None:
        """Rewrite both copies; the copy is written second, so a failure leaves at least one whole."""
        events = list(events)
        self.primary.rewrite(base_seq, events, acked, seq_through)
        self.copy.rewrite(base_seq, events, acked, seq_through)

    def close(self) -> None:
        self.primary.close()
        self.copy.close()


def _merge(first: JournalContents, second: JournalContents) -> JournalContents:
    events = {e.event_id: e for e in second.events}
    events.update((e.event_id, e) for e in first.events)  # the journal's own line wins (e.g. scrubbed)
    merged = JournalContents(base_seq=max(first.base_seq, second.base_seq),
                             seq_through=max(first.seq_through, second.seq_through),
                             events=sorted(events.values(), key=seq_of),
                             acked=(first.acked | second.acked) & events.keys(),
                             problems=[*first.problems, *second.problems],
                             created=first.created and second.created)
    return merged


def _only_in(one: JournalContents, other: JournalContents, seq_through: int) -> int:
    return len({e.event_id for e in one.events if seq_of(e) > seq_through} - {e.event_id for e in other.events})


def _differ(one: JournalContents, merged: JournalContents) -> bool:
    return (one.base_seq != merged.base_seq or one.seq_through != merged.seq_through
            or len(one.events) != len(merged.events) or one.acked != merged.acked)


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
