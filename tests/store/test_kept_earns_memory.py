"""The earns kept for refunds after central folds them cost little memory each (their number is capped)."""

from __future__ import annotations

import gc
import tracemalloc

from kiosk.domain.events import PointsEarned
from kiosk.domain.snapshot import CustomerState, PulledBatch
from kiosk.store import FileOps, Store

from .conftest import DEVICE

#: 20 000 kept earns (the default cap) must stay under 9 MB on a Pi.
MAX_BYTES_PER_KEPT_EARN = 450
CUSTOMERS = 200


class NoSync(FileOps):
    """Memory is measured here, not durability: thousands of fsyncs would only measure the disk."""

    def fsync(self, fd: int) -> None:
        pass

    def fsync_dir(self, directory) -> None:
        pass


def _earn_and_fold(store: Store, first: int, count: int) -> None:
    """`count` earns like the till's (random ids, one receipt each), then a pull that says central has them."""
    for n in range(first, first + count):
        cid = store.customer(f"cust-{n % CUSTOMERS:04d}").customer_id
        store.record(PointsEarned(device_id=DEVICE, customer_id=cid, receipt_ref=f"T1-{n:08d}",
                                  amount_cents=1000 + n % 500, points=10, lines=(("general", 1000 + n % 500, 10),),
                                  at=f"2026-03-{1 + n // 1000:02d}T10:00:00+01:00"))
    store.apply_batch(PulledBatch(cursor=first + count, device_seq_through=store.pending()[-1].seq))


def test_a_kept_earn_costs_at_most_a_few_hundred_bytes(data_dir):
    with Store.open(data_dir, DEVICE, fileops=NoSync(), kept_earns=100_000) as store:
        store.apply_batch(PulledBatch(cursor=0, customers=tuple(
            CustomerState(f"cust-{n:04d}", 0, f"Client{n}") for n in range(CUSTOMERS))))
        tracemalloc.start()
        try:
            _earn_and_fold(store, 0, 500)  # dictionaries and caches reach their working size
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            _earn_and_fold(store, 500, 2000)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert store.earn_for_receipt("T1-00000000") is not None and store.pending_count() == 0
    assert grown / 2000 <= MAX_BYTES_PER_KEPT_EARN, f"{grown / 2000:.0f} bytes per kept earn"

