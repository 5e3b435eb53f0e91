"""Runs install.sh against a directory tree and reads back what it left there."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO / "install.sh"


def run_install(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """install.sh --root ROOT ARGS..., without downloads (callers pass --no-venv or --wheel-dir)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET",)}
    completed = subprocess.run(
        ["bash", str(INSTALL_SH), "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(f"install.sh failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return completed


def snapshot(root: Path) -> dict[str, tuple[str, str | bytes]]:
    """Every file, link and directory under root: its mode (or link target) and content."""
    tree: dict[str, tuple[str, str | bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                tree[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                tree[rel] = (oct(path.stat().st_mode & 0o7777), b"")
            else:
                tree[rel] = (oct(path.stat().st_mode & 0o7777), path.read_bytes())
    return tree


def changes(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("==> ")]
