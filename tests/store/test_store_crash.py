"""Power cut at any instant: a child process records in a loop and is SIGKILLed at a random moment.

The child reports each event id through a pipe only after `record` returned (what a till would have shown
as done); it also applies pulled batches now and then, so some kills land inside a snapshot write or a
journal compaction. After each kill the parent reopens the store and checks that every reported event is
there exactly once, that sequence numbers run without gap or repeat, and that every file parses.
Each earn is one point of one customer and each pulled batch says the balance of seq 1..k is k, so the
balance must equal the last seq. 200 kills by default, 1 000 with KIOSK_LONG_TESTS=1.
"""

from __future__ import annotations

import os
import random
import signal
import time
import traceback
import uuid
from pathlib import Path

import pytest

from device.store import Store
from device.store.journal import decode_line
from device.store.snapshot_file import AtomicJSONStorage, read_document
from loyalty.domain.snapshot import CustomerState, PulledBatch

from .conftest import DEVICE, earned

KILLS = 1000 if os.environ.get("KIOSK_LONG_TESTS") == "1" else 200
FRESH_DIR_EVERY = 100


def _child(data_dir: Path, out: int, seed: int) -> None:
    """Record, acknowledge and apply batches until killed; report each durable event id."""
    code = 0
    try:
        rng = random.Random(seed)
        store = Store.open(data_dir, DEVICE)
        while True:
            roll = rng.random()
            if roll < 0.12:
                last = store.stats().last_seq
                through = rng.randint(store.seq_through, last)
                store.apply_batch(
                    PulledBatch(cursor=through, customers=(CustomerState("c1", through),), device_seq_through=through)
                )
            elif roll < 0.2:
                store.acknowledge(e.event_id for e in store.pending(limit=rng.randint(1, 5)))
            else:
                ref = str(uuid.uuid4())
                event = store.record(earned("c1", points=1, receipt_ref=ref))
                os.write(out, f"{event.event_id} {ref}\n".encode())
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        os.write(out, ("ERROR " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
        code = 1
    finally:
        os._exit(code)


def _kill_once(data_dir: Path, rng: random.Random) -> list[tuple[str, str]]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_end)
        _child(data_dir, write_end, rng.randrange(1 << 30))
    os.close(write_end)
    time.sleep(rng.choice([0, rng.uniform(0, 0.004), rng.uniform(0, 0.02)]))  # the kill's moment: what is tested
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    lines = b"".join(chunks).decode().splitlines()
    errors = [line for line in lines if line.startswith("ERROR ")]
    assert not errors, errors[0]
    assert os.WIFSIGNALED(status), f"child ended by itself with status {status}"
    return [tuple(line.split(" ")) for line in lines]


def _check_files(data_dir: Path) -> None:
    raw = (data_dir / "outbox.jsonl").read_bytes()
    assert raw.endswith(b"\n")
    payloads = [decode_line(line) for line in raw.split(b"\n")[:-1]]
    assert "header" in payloads[0]
    ids = [p["event"]["event_id"] for p in payloads if "event" in p]
    assert len(ids) == len(set(ids)), "an event is in the journal twice"
    seqs = [p["event"]["seq"] for p in payloads if "event" in p]
    assert seqs == sorted(set(seqs)), "journal seqs are not strictly increasing"
    if (data_dir / "cache.json").exists():
        assert read_document(AtomicJSONStorage(data_dir / "cache.json")) is not None


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(20260302)
    reported: dict[str, str] = {}
    data_dir = tmp_path / "data-0"
    for kill in range(KILLS):
        if kill and kill % FRESH_DIR_EVERY == 0:
            data_dir, reported = tmp_path / f"data-{kill}", {}
        reported.update(_kill_once(data_dir, rng))
        with Store.open(data_dir, DEVICE) as store:
            problems = store.stats().problems
            assert not [p for p in problems if "incomplete last line" not in p], problems
            last_seq = store.stats().last_seq
            pending_seqs = [e.seq for e in store.pending()]
            assert pending_seqs == sorted(set(pending_seqs))
            assert store.balance("c1") == last_seq, f"kill {kill}: balance is not one point per seq"
            for event_id, ref in reported.items():
                record = store.earn_for_receipt(ref)
                assert record is not None and record.event_id == event_id, f"kill {kill}: lost {event_id}"
        _check_files(data_dir)
    assert reported, "the child never got to record anything"
