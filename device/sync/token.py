"""The device's bearer token on disk: written atomically, readable by the kiosk user only."""

from __future__ import annotations

import os
from pathlib import Path

from loyalty.errors import StoreWriteError


class TokenFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> str | None:
        try:
            token = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return token or None

    def write(self, token: str) -> None:
        temp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(token)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            raise StoreWriteError(f"cannot save the central token to {self.path}: {exc.strerror}") from None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
