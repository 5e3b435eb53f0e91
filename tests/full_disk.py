"""A real full disk for tests: a small tmpfs mounted on a directory, and a file that takes all its space."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _as_root(*command: str) -> subprocess.CompletedProcess:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    return subprocess.run([*prefix, *command], capture_output=True, text=True)


@contextmanager
def small_disk(path: Path, size_kb: int = 4096) -> Iterator[Path]:
    """`path` on a file system of its own of `size_kb`, removed afterwards (needs root or password-less sudo)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = _as_root("mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0777", "tmpfs", str(path))
    if mounted.returncode != 0:
        pytest.fail(
            f"a full disk is a small tmpfs here, and mounting one failed ({mounted.stderr.strip()}): "
            "run the tests as root or with password-less sudo"
        )
    try:
        yield path
    finally:
        _as_root("umount", "-l", str(path))


def fill(directory: Path) -> Path:
    """Take every free byte of the disk holding `directory` with one file; returns it (delete it to free space)."""
    filler = directory / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096, 1):
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(fd)
    return filler
