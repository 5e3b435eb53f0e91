"""The doctor's report: plain text for a technician's terminal, JSON for tools, and the exit code."""

from __future__ import annotations

import json
from collections.abc import Sequence

from kiosk.doctor.context import CheckResult, Status

_LABELS = {Status.OK: "ok  ", Status.WARN: "WARN", Status.FAIL: "FAIL"}


def format_report(results: Sequence[CheckResult]) -> str:
    """One line per check, its fix under it, and a summary line."""
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for result in results:
        lines.append(f"[{_LABELS[result.status]}] {result.name:<{width}}  {result.message}")
        if result.status is not Status.OK and result.fix:
            lines.append(f"       {'':<{width}}  fix: {result.fix}")
    lines.append(_summary(results))
    return "\n".join(lines)


def _summary(results: Sequence[CheckResult]) -> str:
    counts = {status: sum(r.status is status for r in results) for status in Status}
    verdict = (
        "problems found" if counts[Status.FAIL] else "all good" if not counts[Status.WARN] else "look at the warnings"
    )
    return f"{counts[Status.FAIL]} failed, {counts[Status.WARN]} warnings, {counts[Status.OK]} ok: {verdict}"


def results_to_records(results: Sequence[CheckResult]) -> list[dict[str, str]]:
    return [{"name": r.name, "status": r.status.value, "message": r.message, "fix": r.fix} for r in results]


def report_json(results: Sequence[CheckResult]) -> str:
    """`{"ok": bool, "checks": [{name, status, message, fix}, ...]}` as JSON text."""
    return json.dumps({"ok": exit_code(results) == 0, "checks": results_to_records(results)}, indent=2)


def exit_code(results: Sequence[CheckResult]) -> int:
    """1 when any check failed, else 0 (warnings do not fail)."""
    return 1 if any(r.status is Status.FAIL for r in results) else 0
