"""A till's venv: its size on disk and the time `kiosk serve` takes to import, with and without the server.

Run: python -m bench.till_footprint [--quick] [--python PYTHON] [--wheelhouse DIR]. Two venvs are made from
the pinned lists (requirements/*.txt, pip --require-hashes, from the local pip cache or the registry; or,
with --wheelhouse, offline from a wheelhouse of tools/build-wheelhouse.sh, e.g. inside an arm64 root under
qemu), each with this project's wheel:
- baseline, as every till was before the dependencies were split by role: the device set AND the central
  server's packages (SQLAlchemy, Alembic, Mako, pygal, psycopg), and `kiosk` importing the central server
  on start (as `kiosk.cli` used to, through `central/__init__`);
- now: the device set only, and `kiosk serve`'s own imports.
The import time is a fresh interpreter's wall time (median of several), on this machine's Python (give
--python to measure another, e.g. an arm64 bookworm one under qemu).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERVE_IMPORTS = "import kiosk.cli, kiosk.runner, web"
OLD_SERVE_IMPORTS = "import kiosk.cli, central.app, kiosk.runner, web"  # kiosk.cli imported central eagerly


def _venv(python: str, where: Path, lists: list[Path], wheel: Path, wheelhouse: Path | None) -> Path:
    subprocess.run([python, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if wheelhouse is not None:
        pip += ["--no-index", "--find-links", str(wheelhouse)]
    for path in lists:
        subprocess.run([*pip, "--require-hashes", "--no-deps", "-r", str(path)], check=True)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True)
    return where / "bin" / "python"


def _size_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1e6


def _import_ms(python: Path, statement: str, rounds: int) -> float:
    times = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for _ in range(rounds + 1):
        started = time.perf_counter()
        subprocess.run([str(python), "-I", "-c", statement], check=True, env=env, cwd="/")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])  # the first warms the disk cache


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.till_footprint", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer import rounds")
    parser.add_argument(
        "--python", default=shutil.which("python3") or sys.executable, help="the Python of the till (default: python3)"
    )
    parser.add_argument("--wheelhouse", type=Path, default=None, help="install offline from this wheelhouse")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 9
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.wheelhouse is not None:
            wheel = next(args.wheelhouse.glob("loyalty_kiosk-*.whl"))
            device = args.wheelhouse / "requirements-device.txt"
            both = [device, args.wheelhouse / "requirements-central.txt"]
        else:
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", str(work)], check=True
            )
            wheel = next(work.glob("loyalty_kiosk-*.whl"))
            device = REPO / "requirements" / "device.txt"
            both = [device, REPO / "requirements" / "central.txt"]
        before = _venv(args.python, work / "before", both, wheel, args.wheelhouse)
        after = _venv(args.python, work / "after", [device], wheel, args.wheelhouse)
        figures = {
            "baseline_venv_mb": round(_size_mb(work / "before"), 1),
            "venv_mb": round(_size_mb(work / "after"), 1),
            "baseline_serve_import_ms": round(_import_ms(before, OLD_SERVE_IMPORTS, rounds), 1),
            "serve_import_ms": round(_import_ms(after, SERVE_IMPORTS, rounds), 1),
        }
        machine = subprocess.run(
            [str(after), "-c", "import platform; print(platform.machine())"], capture_output=True, text=True, check=True
        ).stdout.strip()
    figures["machine"] = machine
    figures["venv_ratio"] = round(figures["venv_mb"] / figures["baseline_venv_mb"], 3)
    figures["import_ratio"] = round(figures["serve_import_ms"] / figures["baseline_serve_import_ms"], 3)
    print(f"till venv on {machine}          before (device + central)   now (device set)")
    print(f"size on disk (MB)            {figures['baseline_venv_mb']:>10}                  {figures['venv_mb']:>10}")
    print(
        f"`kiosk serve` imports (ms)   {figures['baseline_serve_import_ms']:>10}                  "
        f"{figures['serve_import_ms']:>10}"
    )
    print("RESULT " + json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
