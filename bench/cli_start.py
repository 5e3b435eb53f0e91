"""Start-up of the technician's command: wall time of `kiosk --help` and `kiosk status`, and what they import.

Run: python -m bench.cli_start [--baseline TREE] [--runs N] [--quick]. Each command runs as a fresh
`python -m kiosk` process (what the `kiosk` script runs) with a device configuration in a temporary folder and
no service running, so `status` reads the device's files. TREE is another source tree of the product (say a
`git archive` of an older commit) timed the same way with this interpreter; its figures are the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {"help": ("--help",), "status": ("status",)}
SERVER_PACKAGES = ("sqlalchemy", "alembic", "pygal")


def _env(tree: Path, config: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "KIOSK_CONFIG": str(config)}


def _write_config(folder: Path) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(
        f'[device]\nid = "till-9"\n[paths]\ndata_dir = "{folder / "data"}"\n[hardware]\n'
        'mode = "emulated"\n[web]\nport = 9\n',
        encoding="utf-8",
    )
    return path


def _imports(tree: Path, config: Path, args: tuple[str, ...]) -> set[str]:
    """Top-level packages the command imports, from `python -X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kiosk", *args],
        cwd=tree,
        env=_env(tree, config),
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def time_tree(tree: Path, runs: int) -> dict:
    """Median and spread of each command's wall time in `tree`, and which server packages it loaded."""
    with tempfile.TemporaryDirectory(prefix="cli-start-") as folder:
        config = _write_config(Path(folder))
        found = subprocess.run(
            [sys.executable, "-c", "import kiosk; print(kiosk.__file__)"],
            cwd=tree,
            env=_env(tree, config),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not found.startswith(str(tree.resolve())):
            raise SystemExit(f"{tree}: python imports kiosk from {found}, not from this tree")
        figures = {}
        for name, args in COMMANDS.items():
            subprocess.run(
                [sys.executable, "-m", "kiosk", *args],
                cwd=tree,
                env=_env(tree, config),
                capture_output=True,
                check=True,
            )  # warm the file cache and byte-code once
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "kiosk", *args],
                    cwd=tree,
                    env=_env(tree, config),
                    capture_output=True,
                    check=True,
                )
                times.append(time.perf_counter() - start)
            figures[name] = {
                "median_s": round(statistics.median(times), 3),
                "min_s": round(min(times), 3),
                "max_s": round(max(times), 3),
                "runs": runs,
                "server_packages": sorted(set(SERVER_PACKAGES) & _imports(tree, config, args)),
            }
        return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_start", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another source tree of the product, timed the same way")
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="3 runs of each command")
    options = parser.parse_args(argv)
    runs = 3 if options.quick else options.runs
    trees = {"this": ROOT, **({"baseline": options.baseline.resolve()} if options.baseline else {})}
    result = {name: time_tree(tree, runs) for name, tree in trees.items()}
    print(f"{'tree':<10}{'command':<9}{'median s':>10}{'min s':>8}{'max s':>8}  server packages loaded")
    for name, figures in result.items():
        for command, figure in figures.items():
            print(
                f"{name:<10}{command:<9}{figure['median_s']:>10.3f}{figure['min_s']:>8.3f}{figure['max_s']:>8.3f}"
                f"  {', '.join(figure['server_packages']) or '-'}"
            )
    print("RESULT " + json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
