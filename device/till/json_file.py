"""Small JSON documents of the till (cashiers, training progress, adoption figures), written atomically."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from loyalty.errors import StoreWriteError

logger = logging.getLogger(__name__)


def read_json(path: Path, default: dict) -> dict:
    """The document at `path`, or `default` when it does not exist; a damaged file is moved aside."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return default
    except (OSError, ValueError):
        aside = path.with_suffix(path.suffix + ".damaged")
        os.replace(path, aside)
        logger.error("%s was unreadable; moved aside to %s", path.name, aside.name)
        return default
    return data if isinstance(data, dict) else default


def write_json(path: Path, data: dict) -> None:
    """Write temp file, fsync, rename, fsync the directory: a power cut leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreWriteError(f"could not save {path.name}: {exc.strerror or exc}") from exc
