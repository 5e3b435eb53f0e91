"""Data-safety matrix: damage the outbox, its copy, the snapshot and the backups, count confirmed events lost.

Each case records confirmed sales (each `Store.record` returned: the till said "done"), central having folded
the first ones, then damages a file the way SD cards, power cuts and wrong commands do, opens the store again
(or restores) and counts the confirmed, unsent sales it no longer holds, and whether the loss was said (a
store problem naming lost events, or a refusal). The baseline is the same damage dealt to both copies of the
outbox: what the single-file outbox of before could keep.

    python -m bench.damage [--quick]

Prints a table, then as last line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from device.store import Store
from device.store.outbox_copies import COPY_NAME, JOURNAL_NAME
from device.store.store import SNAPSHOT_NAME
from kiosk.backup import backup_archive, read_backup, restore
from loyalty.domain.events import PointsEarned
from loyalty.domain.snapshot import CardState, CustomerState, PulledBatch
from loyalty.errors import KioskError

DEVICE = "bench-till"


@dataclass(frozen=True)
class Outcome:
    """One case: what was damaged, confirmed unsent events, how many are gone, and whether that was said."""

    case: str
    confirmed: int
    lost: int
    reported: bool
    baseline: bool = False


def _earn(n: int) -> PointsEarned:
    return PointsEarned(
        device_id=DEVICE,
        customer_id=f"c{n % 7}",
        receipt_ref=f"R-{n:06d}",
        amount_cents=1000 + n,
        points=10,
        lines=(("general", 1000 + n, 10),),
    )


def _fill(data_dir: Path, events: int) -> set[str]:
    """A store with pulled customers, a few sales central folded, then `events` confirmed unsent sales."""
    with Store.open(data_dir, DEVICE) as store:
        store.apply_batch(
            PulledBatch(
                cursor=1,
                customers=tuple(CustomerState(f"c{n}", 100, f"Client{n}") for n in range(7)),
                cards=tuple(CardState(f"CARD{n}", f"c{n}") for n in range(7)),
            )
        )
        folded = [store.record(_earn(n)) for n in range(5)]
        store.apply_batch(PulledBatch(cursor=2, device_seq_through=folded[-1].seq))
        return {store.record(_earn(n)).event_id for n in range(5, 5 + events)}


def _reopen(data_dir: Path, confirmed: set[str]) -> tuple[int, bool]:
    with Store.open(data_dir, DEVICE) as store:
        held = {e.event_id for e in store.pending()}
        stats = store.stats()
    said = bool(stats.lost) or any("lost" in p and "nothing lost" not in p for p in stats.problems)
    return len(confirmed - held), said


# -- ways to damage a file -----------------------------------------------------------------------------


def cut_short(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])


def overwritten(path: Path) -> None:
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    data[start : start + len(data) // 4] = b"\x00garbage" * (len(data) // 32 + 1)
    path.write_bytes(bytes(data[: len(path.read_bytes())]))


def emptied(path: Path) -> None:
    path.write_bytes(b"")


def deleted(path: Path) -> None:
    path.unlink()


def torn_tail(path: Path) -> None:
    with open(path, "ab") as handle:
        handle.write(b"\x00" * 300)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "cut short": cut_short,
    "overwritten": overwritten,
    "emptied": emptied,
    "deleted": deleted,
    "torn tail": torn_tail,
}


def file_case(root: Path, events: int, what: str, damage: str, targets: tuple[str, ...], baseline: bool) -> Outcome:
    data_dir = root / f"{what}-{damage}".replace(" ", "-")
    confirmed = _fill(data_dir, events)
    for name in targets:
        DAMAGES[damage](data_dir / name)
    lost, said = _reopen(data_dir, confirmed)
    return Outcome(f"{what}: {damage}", len(confirmed), lost, said or lost == 0, baseline)


def backup_cases(root: Path, events: int) -> list[Outcome]:
    """Damaged backup files, and a restore over sales made after the backup."""
    out = []
    data_dir = root / "backups"
    confirmed = _fill(data_dir, events)
    archive = backup_archive(data_dir, DEVICE)
    for name, data in (
        ("backup: cut short", archive[: len(archive) // 2]),
        ("backup: outbox member altered", _alter_member(archive, f"store/{JOURNAL_NAME}")),
        (
            "backup: both outbox members altered",
            _alter_member(_alter_member(archive, f"store/{JOURNAL_NAME}"), f"store/{COPY_NAME}"),
        ),
    ):
        file = root / "b.tgz"
        file.write_bytes(data)
        try:
            restore(read_backup(file), data_dir, DEVICE)
            refused = False
        except KioskError:
            refused = True  # said plainly; the store in place is untouched
        lost, said = _reopen(data_dir, confirmed)
        out.append(Outcome(name, len(confirmed), lost, refused or said or lost == 0))
    # Sales confirmed after the backup, then the backup restored over them: merged, not dropped.
    with Store.open(data_dir, DEVICE) as store:
        later = {store.record(_earn(n)).event_id for n in range(10_000, 10_000 + max(3, events // 5))}
    file = root / "before.tgz"
    file.write_bytes(archive)
    restore(read_backup(file), data_dir, DEVICE)
    lost, said = _reopen(data_dir, confirmed | later)
    out.append(Outcome("restore over newer unsent sales", len(confirmed | later), lost, said or lost == 0))
    return out


def _alter_member(archive: bytes, member: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive)) as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if info.name == member:
                data = data[:40] + bytes(b ^ 0x20 for b in data[40:80]) + data[80:]
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out.getvalue()


def run(events: int, root: Path) -> list[Outcome]:
    outcomes = []
    for damage in DAMAGES:
        outcomes.append(file_case(root, events, "outbox", damage, (JOURNAL_NAME,), False))
        outcomes.append(file_case(root, events, "outbox copy", damage, (COPY_NAME,), False))
        outcomes.append(file_case(root, events, "snapshot", damage, (SNAPSHOT_NAME,), False))
        outcomes.append(
            file_case(root, events, "both outbox copies (baseline: one file)", damage, (JOURNAL_NAME, COPY_NAME), True)
        )
    outcomes.extend(backup_cases(root, events))
    return outcomes


def summary(outcomes: list[Outcome], events: int) -> dict[str, object]:
    cases = [o for o in outcomes if not o.baseline]
    base = [o for o in outcomes if o.baseline]
    return {
        "events_per_case": events,
        "cases": len(cases),
        "confirmed_lost_total": sum(o.lost for o in cases),
        "unreported_losses": sum(1 for o in cases if o.lost and not o.reported),
        "baseline_cases": len(base),
        "baseline_lost_total": sum(o.lost for o in base),
        "baseline_unreported_losses": sum(1 for o in base if o.lost and not o.reported),
    }


def print_table(outcomes: list[Outcome]) -> None:
    print(f"{'case':52} {'confirmed':>9} {'lost':>5}  reported")
    for o in outcomes:
        said = "-" if o.lost == 0 else ("yes" if o.reported else "NO")
        print(f"{o.case:52} {o.confirmed:>9} {o.lost:>5}  {said}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.damage", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 confirmed sales per case instead of 200")
    parser.add_argument("--events", type=int, help="confirmed unsent sales per case")
    args = parser.parse_args(argv)
    events = args.events or (20 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="bench-damage-", dir=os.environ.get("BENCH_TMP")) as tmp:
        outcomes = run(events, Path(tmp))
    print_table(outcomes)
    print("RESULT " + json.dumps(summary(outcomes, events), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
