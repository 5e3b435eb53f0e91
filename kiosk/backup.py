"""Backups of the device's store: a consistent copy of its files, taken while the service runs, and restore.

A backup is a gzip'd tar holding `manifest.json` (format, device id, time, software version, SHA-256 of each
file) and `store/cache.json` + `store/outbox.jsonl`. The copy needs no lock on the store: the snapshot is
only ever replaced by a rename and the journal only appended to or replaced by a rename, so the snapshot
read before and still in place after reading the journal, with that journal, is a state that was on disk at
one instant, which the store recovers from as after a power cut. The sync token is not included (a
credential); after restoring onto a new card, enrol again with `kiosk enroll CODE`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from device.store import Store
from device.store.fileops import FileOps
from device.store.journal import journal_owner
from device.store.outbox_copies import COPY_NAME
from device.store.store import JOURNAL_NAME, SNAPSHOT_NAME
from device.store.unsent import STORE_FILES, unsent_events
from kiosk import __version__
from loyalty.errors import BackupError, StoreError

logger = logging.getLogger(__name__)

FORMAT = "kiosk-backup"
FORMAT_VERSION = 1
COPY_ATTEMPTS = 20


@dataclass(frozen=True)
class Backup:
    """A backup read back: its manifest fields and the store files it holds."""

    device_id: str
    created: str
    version: str
    files: dict[str, bytes]
    #: What was damaged in the backup and stood in for by its second copy (nothing is lost then).
    repaired: tuple[str, ...] = ()


def copy_store_files(store_dir: Path) -> dict[str, bytes]:
    """The store's files as they were at one instant (see the module docstring); absent files are left out."""
    snapshot = store_dir / SNAPSHOT_NAME
    for _ in range(COPY_ATTEMPTS):
        before = _identity(snapshot)
        files: dict[str, bytes] = {}
        if before is not None:
            files[SNAPSHOT_NAME] = _read(snapshot)
        # The copy before the journal: every line is appended to the journal first, so an event read in the
        # copy is in the journal read after it (the other order could catch one in the copy only).
        for name in (COPY_NAME, JOURNAL_NAME):
            journal = _read(store_dir / name, missing_ok=True)
            if journal is not None:
                files[name] = journal
        if _identity(snapshot) == before:
            return files
        time.sleep(0.01)  # the service replaced the snapshot meanwhile: read both again
    raise StoreError(f"the store in {store_dir} kept changing while it was copied; try again")


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _read(path: Path, missing_ok: bool = False) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise StoreError(f"{path} disappeared while it was copied; try again") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror} (run the command with sudo)") from exc


def build_archive(device_id: str, files: dict[str, bytes]) -> bytes:
    """The backup file's bytes for these store files."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "device_id": device_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "version": __version__,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in files.items()
        },
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
        for name, data in files.items():
            _add(tar, f"store/{name}", data)
    return out.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup_archive(store_dir: Path, device_id: str) -> bytes:
    """A consistent backup of the store in `store_dir`, safe while the service writes to it."""
    return build_archive(device_id, copy_store_files(store_dir))


def write_file(path: Path, data: bytes) -> None:
    """Write `path` atomically (temp file, fsync, rename) so a cut never leaves half a backup."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give a file name, e.g. {path / 'kiosk-backup.tar.gz'}")
    try:
        FileOps().write_atomic(path, [data])
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror}") from exc


def read_backup(path: Path) -> Backup:
    """Read and check a backup file; BackupError saying what is wrong with it."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            manifest = json.loads(_member(tar, members, "manifest.json"))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{path} is not a kiosk backup (made by `kiosk backup FILE`)")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"{path} has backup format {manifest.get('format_version')!r}; this software "
                    f"reads format {FORMAT_VERSION}: restore it with the version that made it"
                )
            files = {}
            damaged = []
            for name, expected in manifest["files"].items():
                if name not in STORE_FILES:
                    raise BackupError(f"{path} holds an unexpected file {name!r}")
                data = _member(tar, members, f"store/{name}")
                if hashlib.sha256(data).hexdigest() != expected["sha256"]:
                    damaged.append(name)
                else:
                    files[name] = data
            # One of the outbox's two copies may be damaged: the other holds the same events.
            if damaged and not (set(damaged) <= {JOURNAL_NAME, COPY_NAME} and {JOURNAL_NAME, COPY_NAME} & set(files)):
                raise BackupError(f"{path} is damaged: {', '.join(damaged)} does not match its checksum")
            if damaged:
                logger.warning("%s: %s does not match its checksum; its second copy is used", path, damaged[0])
                good = files[JOURNAL_NAME] if JOURNAL_NAME in files else files[COPY_NAME]
                files[JOURNAL_NAME] = files[COPY_NAME] = good
    except FileNotFoundError:
        raise BackupError(f"{path} not found") from None
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{path} is not a readable kiosk backup ({exc})") from None
    repaired = tuple(
        f"{name} in the backup does not match its checksum: its second copy was used, nothing lost" for name in damaged
    )
    return Backup(
        str(manifest["device_id"]), str(manifest.get("created", "")), str(manifest.get("version", "")), files, repaired
    )


def _member(tar: tarfile.TarFile, members: dict, name: str) -> bytes:
    if name not in members:
        raise BackupError(f"{tar.name} lacks {name}: it is not a complete kiosk backup")
    handle = tar.extractfile(members[name])
    assert handle is not None
    return handle.read()


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the counts of the restored store and where the previous files went."""

    device_id: str
    customers: int
    pending: int
    moved_aside: Path | None
    #: Unsent events of the replaced store taken into the restored one (none are ever dropped).
    merged: int = 0


def verify(backup: Backup) -> tuple[int, int]:
    """Open the backup's store in a temporary directory: (customers, pending) or BackupError if unusable."""
    with tempfile.TemporaryDirectory(prefix="kiosk-restore-") as tmp:
        for name, data in backup.files.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            with Store.open(Path(tmp), backup.device_id) as store:
                stats = store.stats()
        except StoreError as exc:
            raise BackupError(f"the backup's store cannot be opened: {exc}") from exc
    if stats.problems:
        raise BackupError("the backup's store is damaged: " + "; ".join(stats.problems))
    return stats.customers, stats.pending


def restore(backup: Backup, store_dir: Path, device_id: str, *, force: bool = False) -> RestoreResult:
    """Put the backup's files in place of the store's; the caller holds the service lock.

    Refuses a backup of another device unless `force`. The files it replaces are kept in
    `store_dir/before-restore-<time>/`, never deleted. Every unsent event of the replaced store is merged
    into the restored one (events are immutable and carry ids); when they cannot be (a backup of another
    device), the restore is refused with their count and the command that sends them first.
    """
    if backup.device_id != device_id and not force:
        raise BackupError(
            f"this backup is of device {backup.device_id!r}, not of this device {device_id!r}: "
            "restoring it would mix two devices' sales. If this Pi replaces that device, set "
            f'device.id = "{backup.device_id}" in the configuration first, or add --force'
        )
    customers, pending = verify(backup)
    # The store in place may be another device's (an earlier forced restore): its header says whose.
    owner = journal_owner(store_dir / JOURNAL_NAME) or journal_owner(store_dir / COPY_NAME) or device_id
    try:
        unsent = unsent_events(store_dir, owner)
    except StoreError as exc:
        raise BackupError(
            f"cannot read the unsent events of the store being replaced ({exc}); nothing was changed"
        ) from exc
    if unsent and backup.device_id != owner:
        how = (
            "`kiosk sync` (network needed)"
            if owner == device_id
            else f'`kiosk sync` with device.id = "{owner}" in the configuration (network needed)'
        )
        raise BackupError(
            f"the store being replaced holds {len(unsent)} event(s) of device {owner!r} not yet "
            f"sent to central, which a backup of device {backup.device_id!r} cannot keep: send them "
            f"first with {how}, then restore again; nothing was changed"
        )
    ops = FileOps()
    aside = None
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
        present = [name for name in STORE_FILES if (store_dir / name).exists()]
        if present:
            aside = store_dir / time.strftime("before-restore-%Y%m%dT%H%M%S")
            n = 1
            while aside.exists():
                n += 1
                aside = aside.with_name(aside.name.split("~")[0] + f"~{n}")
            aside.mkdir()
            for name in present:
                shutil.copy2(store_dir / name, aside / name)
            ops.fsync_dir(aside)
        for name in STORE_FILES:
            if name in backup.files:
                ops.write_atomic(store_dir / name, [backup.files[name]])
            elif (store_dir / name).exists():
                os.unlink(store_dir / name)
        ops.fsync_dir(store_dir)
    except OSError as exc:
        raise BackupError(
            f"restore failed while writing {store_dir}: {exc.strerror}; the previous files are in {aside or store_dir}"
        ) from exc
    merged = 0
    if unsent:
        try:
            with Store.open(store_dir, backup.device_id) as store:
                merged = store.readmit(unsent)
                pending = store.pending_count()
        except StoreError as exc:
            raise BackupError(
                f"the backup is in place but the {len(unsent)} unsent event(s) of the replaced store "
                f"could not be merged ({exc}); they are kept in {aside}: `kiosk salvage --send` "
                "sends them"
            ) from exc
    logger.info(
        "store restored from a backup of device %s (%d pending events, %d merged from the replaced store)",
        backup.device_id,
        pending,
        merged,
    )
    return RestoreResult(backup.device_id, customers, pending, aside, merged)
