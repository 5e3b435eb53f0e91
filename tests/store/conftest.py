"""Fixtures for the store tests: a data directory, a fault-injecting file layer, event makers."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from device.store import FileOps, Store
from loyalty.domain.events import CardLinked, CustomerRegistered, PointsEarned

DEVICE = "till-1"


class FaultyFileOps(FileOps):
    """Real file operations that fail on demand, like a full or failing disk would."""

    def __init__(self) -> None:
        self.write_errno: int | None = None
        self.partial_write = False
        self.atomic_fail_names = set()
        self.fsync_errno: int | None = None
        self.truncate_errno: int | None = None
        self.atomic_fail_names: set[str] = set()

    def write_atomic(self, path: Path, chunks) -> None:
        if path.name in self.atomic_fail_names:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        super().write_atomic(path, chunks)

    def write(self, fd: int, data: bytes) -> None:
        if self.write_errno is not None:
            if self.partial_write:
                os.write(fd, data[: len(data) // 2])
            raise OSError(self.write_errno, os.strerror(self.write_errno))
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        if self.fsync_errno is not None:
            raise OSError(self.fsync_errno, os.strerror(self.fsync_errno))
        super().fsync(fd)

    def truncate(self, fd: int, size: int) -> None:
        if self.truncate_errno is not None:
            raise OSError(self.truncate_errno, os.strerror(self.truncate_errno))
        super().truncate(fd, size)

    def heal(self) -> None:
        self.write_errno = self.fsync_errno = self.truncate_errno = None
        self.partial_write = False
        self.atomic_fail_names = set()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path):
    with Store.open(data_dir, DEVICE) as opened:
        yield opened


@pytest.fixture
def faulty() -> FaultyFileOps:
    return FaultyFileOps()


def register(customer_id: str = "c1", first_name: str = "Hélène", **fields) -> CustomerRegistered:
    return CustomerRegistered(device_id=DEVICE, customer_id=customer_id, first_name=first_name, **fields)


def link(customer_id: str, card_uid: str) -> CardLinked:
    return CardLinked(device_id=DEVICE, customer_id=customer_id, card_uid=card_uid)


def earned(
    customer_id: str = "c1", points: int = 10, receipt_ref: str | None = None, at: str = "2026-03-02T10:00:00+01:00"
) -> PointsEarned:
    ref = receipt_ref or f"R-{os.urandom(4).hex()}"
    return PointsEarned(
        device_id=DEVICE,
        customer_id=customer_id,
        receipt_ref=ref,
        amount_cents=points * 100,
        points=points,
        lines=(("general", points * 100, points),),
        at=at,
    )


ENOSPC = errno.ENOSPC
EIO = errno.EIO
