"""The print worker against the ESC/POS emulator on a pty: never twice, held jobs, reconnection, restart."""

from __future__ import annotations

import time

import pytest

from hardware.errors import UnknownPrintJob
from hardware.events import OFFLINE, OK, PAPER_OUT
from hardware.printer.escpos_emulator import PrinterEmulator
from hardware.printer.journal import EXPIRED, HELD, PRINTED, JobJournal
from hardware.printer.link import SerialPrinterLink
from hardware.printer.receipt import render_receipt
from hardware.printer.worker import PrinterSettings, PrintWorker
from tests.factories import ManualClock
from tests.hardware.conftest import wait_turns
from tests.hardware.receipts import earn_receipt
from tests.waiting import wait_until

FAST = PrinterSettings(max_age_s=600, chunk_bytes=64, status_interval_s=0.1, backoff_start_s=0.05, backoff_max_s=0.2)


@pytest.fixture
def emulator(tmp_path):
    emulator = PrinterEmulator(tmp_path / "ttyPRINTER")
    emulator.plug()
    yield emulator
    emulator.unplug()


def make_worker(tmp_path, emulator, recorder, board, settings=FAST):
    journal = JobJournal(tmp_path / "print-jobs.jsonl")
    return PrintWorker(lambda: SerialPrinterLink(str(emulator.port)), journal, board, recorder, settings)


def receipt_bytes(n: int = 1) -> bytes:
    return render_receipt(earn_receipt(receipt_id=f"R-{n}"))


def wait_state(worker, recorder, job_id, state, timeout=5.0):
    recorder.wait_for(lambda: worker.job(job_id).state == state, timeout)


def test_prints_once_even_when_the_caller_retries(tmp_path, emulator, recorder, board):
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        assert worker.submit("R-1", receipt_bytes()) == "R-1"
        assert worker.submit("R-1", receipt_bytes()) == "R-1"
        wait_state(worker, recorder, "R-1", PRINTED)
        worker.submit("R-1", receipt_bytes())
        wait_turns(worker)
    assert len(emulator.receipts) == 1 and emulator.receipts[0].complete
    assert emulator.receipts[0].data == receipt_bytes()


def test_restart_does_not_print_again(tmp_path, emulator, recorder, board):
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        worker.submit("R-1", receipt_bytes())
        wait_state(worker, recorder, "R-1", PRINTED)
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        worker.submit("R-1", receipt_bytes())
        wait_turns(worker)
        assert worker.job("R-1").state == PRINTED
    assert len(emulator.receipts) == 1


def test_job_interrupted_by_a_crash_is_held_for_reprint(tmp_path, emulator, recorder, board):
    journal = JobJournal(tmp_path / "print-jobs.jsonl")
    worker = PrintWorker(lambda: SerialPrinterLink(str(emulator.port)), journal, board, recorder, FAST)
    worker.submit("R-1", receipt_bytes())
    record = journal.records["R-1"]
    journal.write(record.moved("sending"))  # the process died right after this line reached the disk
    journal.close()
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        wait_turns(worker)
        job = worker.job("R-1")
        assert job.state == HELD and job.partial and "stopped while" in job.reason
        assert emulator.receipts == []
        worker.reprint("R-1")
        wait_state(worker, recorder, "R-1", PRINTED)
    assert len(emulator.receipts) == 1


def test_queued_while_paper_out_prints_when_paper_is_back(tmp_path, emulator, recorder, board):
    emulator.paper_out()
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        recorder.wait_for(lambda: board.get("printer").state == PAPER_OUT)
        worker.submit("R-1", receipt_bytes())
        wait_state(worker, recorder, "R-1", HELD)
        assert "out of paper" in worker.job("R-1").reason and not worker.job("R-1").partial
        emulator.paper_back()
        wait_state(worker, recorder, "R-1", PRINTED)
        assert board.get("printer").state == OK
    assert [r.complete for r in emulator.receipts] == [True]


def test_paper_running_out_mid_receipt_holds_it_for_reprint(tmp_path, emulator, recorder, board):
    emulator.paper_back(lines=6)
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        worker.submit("R-1", receipt_bytes())
        wait_state(worker, recorder, "R-1", HELD)
        job = worker.job("R-1")
        assert job.partial and "reprint" in job.reason
        assert [r.complete for r in emulator.receipts] == [False]
        emulator.paper_back()
        recorder.wait_for(lambda: board.get("printer").state == OK)
        wait_turns(worker)
        assert worker.job("R-1").state == HELD  # never sent again on its own
        worker.reprint("R-1")
        wait_state(worker, recorder, "R-1", PRINTED)
    assert [r.complete for r in emulator.receipts] == [False, True]


def test_unplug_and_replug_reconnects_with_backoff(tmp_path, emulator, recorder, board):
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        recorder.wait_for(lambda: board.get("printer").state == OK)
        emulator.unplug()
        recorder.wait_for(lambda: board.get("printer").state == OFFLINE)
        worker.submit("R-2", receipt_bytes(2))
        wait_state(worker, recorder, "R-2", HELD)
        emulator.plug()
        wait_state(worker, recorder, "R-2", PRINTED)
    assert len(emulator.receipts) == 1


def test_old_jobs_are_not_printed_on_their_own(tmp_path, emulator, recorder, board):
    emulator.paper_out()
    settings = PrinterSettings(max_age_s=60, status_interval_s=0.1, backoff_start_s=0.05)
    clock = ManualClock(time.time())
    journal = JobJournal(tmp_path / "print-jobs.jsonl")
    with PrintWorker(
        lambda: SerialPrinterLink(str(emulator.port)), journal, board, recorder, settings, clock=clock
    ) as worker:
        worker.submit("R-1", receipt_bytes())
        wait_state(worker, recorder, "R-1", HELD)
        clock.now += 61  # a minute later, still out of paper
        emulator.paper_back()
        wait_state(worker, recorder, "R-1", EXPIRED)
        assert emulator.receipts == []
        worker.reprint("R-1")
        wait_state(worker, recorder, "R-1", PRINTED)


def test_reprint_of_a_printed_job_is_refused(tmp_path, emulator, recorder, board):
    with make_worker(tmp_path, emulator, recorder, board) as worker:
        worker.submit("R-1", receipt_bytes())
        wait_state(worker, recorder, "R-1", PRINTED)
        with pytest.raises(UnknownPrintJob):
            worker.reprint("R-1")
        with pytest.raises(UnknownPrintJob):
            worker.job("nope")


def test_torn_journal_line_is_ignored(tmp_path):
    path = tmp_path / "print-jobs.jsonl"
    journal = JobJournal(path)
    from hardware.printer.journal import JobRecord

    journal.write(JobRecord("R-1", "queued", time.time(), time.time()), b"abc")
    journal.close()
    with open(path, "a") as handle:
        handle.write('{"v":1,"job_id":"R-2","sta')
    reopened = JobJournal(path)
    assert list(reopened.records) == ["R-1"] and reopened.data["R-1"] == b"abc"
    reopened.close()


def test_journal_compaction_keeps_recent_and_interrupted_jobs(tmp_path):
    from hardware.printer.journal import JobRecord

    path = tmp_path / "print-jobs.jsonl"
    journal = JobJournal(path)
    old = time.time() - 30 * 86400
    journal.write(JobRecord("old-printed", PRINTED, old, old))
    journal.write(JobRecord("old-held", HELD, old, old), b"x")
    journal.write(JobRecord("old-sending", "sending", old, old), b"y")
    journal.write(JobRecord("new-printed", PRINTED, time.time(), time.time()))
    journal.close()
    compacted = JobJournal(path)
    assert sorted(compacted.records) == ["new-printed", "old-sending"]
    assert compacted.data == {"old-sending": b"y"}
    assert len(path.read_text().splitlines()) == 2
    compacted.close()


def test_event_handler_may_call_back_into_the_worker(tmp_path, emulator, board):
    seen = []
    worker_box = []

    def handler(event):
        if event.kind == "print_job":
            seen.append((event.payload, event.detail, [j.state for j in worker_box[0].jobs()]))

    worker = PrintWorker(
        lambda: SerialPrinterLink(str(emulator.port)), JobJournal(tmp_path / "j.jsonl"), board, handler, FAST
    )
    worker_box.append(worker)
    with worker:
        worker.submit("R-1", receipt_bytes())
        wait_until(lambda: any(detail == PRINTED for _, detail, _ in seen), 5)
    assert [detail for _, detail, _ in seen] == ["queued", "sending", "printed"]
    assert seen[-1][2] == [PRINTED]
