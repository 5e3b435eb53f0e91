"""The print journal stays bounded while the service runs: file and memory level off over 20 000 receipts."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from hardware.printer.journal import KEEP_FINISHED, PRINTED, QUEUED, SENDING, JobJournal, JobRecord

RECEIPT = b"\x1b@" + b"x" * 1000  # about the size of a real receipt


def _print_one(journal: JobJournal, n: int) -> None:
    now = time.time()
    job = JobRecord(f"job-{n:06d}", QUEUED, now, now)
    journal.write(job, RECEIPT)
    journal.write(job.moved(SENDING))
    journal.write(job.moved(PRINTED))


@pytest.fixture
def memory_dir(tmp_path):
    """A directory in RAM when there is one: 60 000 fsyncs on a disk would only measure the disk."""
    if not Path("/dev/shm").is_dir():
        yield tmp_path
        return
    made = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="kiosk-journal-"))
    yield made
    shutil.rmtree(made, ignore_errors=True)


def test_the_journal_file_and_memory_stay_bounded_over_20000_jobs(memory_dir):
    path = memory_dir / "print-jobs.jsonl"
    journal = JobJournal(path)
    sizes = []
    try:
        for n in range(20_000):
            _print_one(journal, n)
            if n % 50 == 49:
                sizes.append(path.stat().st_size)
        assert len(journal.records) <= KEEP_FINISHED and not journal.data
        half = len(sizes) // 2
        assert max(sizes[half:]) <= 1.1 * max(sizes[:half])  # levels off instead of growing ~1 KB a receipt
        assert max(sizes) < 1_000_000  # 20 000 receipts kept whole would be over 20 MB
        held = JobRecord("held-1", QUEUED, time.time(), time.time())
        journal.write(held, RECEIPT)
        for n in range(20_000, 23_000):  # a job waiting for paper survives the compactions with its bytes
            _print_one(journal, n)
        assert journal.records["held-1"].state == QUEUED and journal.data["held-1"] == RECEIPT
    finally:
        journal.close()
    reopened = JobJournal(path)
    try:
        assert reopened.data["held-1"] == RECEIPT and "job-022999" in reopened.records
        assert len(reopened.records) <= KEEP_FINISHED + 1
    finally:
        reopened.close()
