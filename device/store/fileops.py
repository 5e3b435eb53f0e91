"""The few file operations the store needs, in one object so tests can inject disk-full and I/O errors."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


class FileOps:
    """Plain POSIX file operations; every durable write of the store goes through one of these methods."""

    def open_append(self, path: Path) -> int:
        """An append-only descriptor on `path`, created if absent."""
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, fd: int, data: bytes) -> None:
        """Write all of `data`; a short write followed by an error raises that error."""
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def truncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def close(self, fd: int) -> None:
        os.close(fd)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def fsync_dir(self, directory: Path) -> None:
        """Make a rename or a new file in `directory` durable."""
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_atomic(self, path: Path, chunks: Iterable[bytes]) -> None:
        """Replace `path` by `chunks`: temp file, fsync, rename, fsync the directory; old file kept on error."""
        temp = path.with_name(path.name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            try:
                for chunk in chunks:
                    self.write(fd, chunk)
                self.fsync(fd)
            finally:
                os.close(fd)
            self.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        self.fsync_dir(path.parent)
