"""`kiosk salvage`: find this device's events in files set aside by recovery or restore, and send them to central.

Central stores events by id exactly once, so sending an event it already holds changes nothing: the command
can be run again safely. Lines whose check failed (a damaged line whose text still reads as an event) are
only listed unless `--unchecked` is given, because a damaged line may carry a damaged figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from device.config import Config
from device.store.unsent import Salvaged, salvage_file, salvage_sources
from device.sync.client import CentralClient
from device.sync.setup import token_file
from loyalty.domain.events import Event
from loyalty.errors import DeviceNotEnrolled

BATCH = 200


@dataclass(frozen=True)
class SalvageReport:
    """What was found, and (when sent) how many central now holds and how many were new to it."""

    found: tuple[Salvaged, ...]
    sent: int = 0
    held: int = 0
    new: int = 0


def find(store_dir: Path, device_id: str) -> tuple[Salvaged, ...]:
    """Every set-aside file of the store with the events of `device_id` it still holds."""
    return tuple(salvage_file(path, device_id) for path in salvage_sources(store_dir))


def send(config: Config, found: tuple[Salvaged, ...], unchecked: bool) -> SalvageReport:
    """Push the salvaged events (once each, by id) to central; SyncError if central cannot take them."""
    events: dict[str, Event] = {}
    for item in found:
        for event in [*item.events, *(item.unchecked if unchecked else [])]:
            events.setdefault(event.event_id, event)
    token = token_file(config).read()
    if token is None:
        raise DeviceNotEnrolled("this device is not enrolled with central: run `kiosk enroll CODE` first")
    ordered = sorted(events.values(), key=lambda e: e.seq or 0)
    held = new = 0
    with CentralClient(config.central.url, token, config.central.timeout_s) as client:
        for start in range(0, len(ordered), BATCH):
            answer = client.push(ordered[start : start + BATCH])
            held += len(answer.acknowledged)
            new += answer.inserted
    return SalvageReport(found, len(ordered), held, new)


def format_report(report: SalvageReport, store_dir: Path) -> list[str]:
    """Lines for the technician: one per file, then what sending did or the command that sends."""
    if not report.found:
        return [f"no set-aside outbox files in {store_dir}: nothing to salvage"]
    lines = []
    for item in report.found:
        lines.append(
            f"{item.path.relative_to(store_dir)}: {len(item.events)} event(s) readable"
            + (f", {len(item.unchecked)} from damaged lines (unchecked)" if item.unchecked else "")
            + (f", {item.unreadable_lines} unreadable line(s)" if item.unreadable_lines else "")
        )
    if report.sent:
        lines.append(f"sent {report.sent} event(s): central holds {report.held} of them, {report.new} were new to it")
    return lines
