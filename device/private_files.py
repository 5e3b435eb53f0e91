"""The data directory holds PIN hashes, the device token, the web key and customers' data: only the
service's own user may read it. Directory 0700, every file 0600.

`make_private` runs when the service or a `kiosk` command takes the data directory's lock: it sets the
process umask so every file made from then on is private, and tightens what an older version left
readable. `loose_paths` is what `kiosk doctor` reports.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private(data_dir: Path) -> None:
    """Create the directory if needed; from now on files are made private; tighten the existing ones."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    tightened = 0
    for path in [data_dir, *loose_paths(data_dir)]:
        try:
            mode = path.lstat().st_mode
            wanted = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE
            if stat.S_IMODE(mode) & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & wanted)
                tightened += 1
        except OSError as exc:  # not ours (another user's file): doctor names it
            log.warning("could not make %s private: %s", path, exc)
    if tightened:
        log.info("made %d path(s) of the data directory private", tightened)


def loose_paths(data_dir: Path) -> list[Path]:
    """The directory itself and every file or directory under it that its group or others may use."""
    if not data_dir.exists():
        return []
    found = []
    for path in [data_dir, *sorted(data_dir.rglob("*"))]:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found.append(path)
    return found
