"""Every commit builds a package of its own version, so an upgrade from a wheelhouse never keeps old code."""

from __future__ import annotations

import subprocess
import tomllib

from .installer import REPO


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_the_version_comes_from_git_and_changes_with_every_commit(tmp_path):
    from setuptools_scm import get_version

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert any(r.startswith("setuptools-scm") for r in project["build-system"]["requires"])

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    first = get_version(root=str(clone))
    assert _git(clone, "rev-parse", "--short=7", "HEAD") in first
    _git(
        clone,
        "-c",
        "user.name=Release",
        "-c",
        "user.email=release@example.org",
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "A release",
    )
    second = get_version(root=str(clone))
    assert second != first
    _git(clone, "tag", "v9.4.0")
    assert get_version(root=str(clone)) == "9.4.0"


def test_the_running_kiosk_reports_its_installed_version():
    from importlib.metadata import version

    import kiosk

    assert kiosk.__version__ == version("loyalty-kiosk") != "0.1.0"
