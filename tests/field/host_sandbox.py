"""install.sh run as on a real machine (--root /), inside a private mount namespace: this machine stays as it was.

/etc, /opt, /var/lib and /usr/local/bin are overlays whose changes land in a temporary directory, /run is a
fresh tmpfs holding /run/systemd/system (so install.sh believes systemd runs), and `systemctl` is a stand-in
that records each call and answers like a system where the kiosk's units are enabled and running.
Wheelhouses for it are made of small real wheels (`make_wheel`), installed by the real pip.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .installer import INSTALL_SH

OVERLAID = ("etc", "opt", "var/lib", "usr/local/bin")

FAKE_SYSTEMCTL = """#!/bin/bash
echo "$*" >>"$SYSTEMCTL_LOG"
case $1 in
  enable) echo "$3" >>"$SYSTEMCTL_LOG.enabled" ;;
  is-enabled) grep -qsx "$3" "$SYSTEMCTL_LOG.enabled" ;;
  is-active) exit 0 ;;
  *) exit 0 ;;
esac
"""


#: Debian's package tools as on a machine where none of the kiosk's packages is installed yet.
FAKE_DPKG_QUERY = "#!/bin/bash\nexit 1\n"
FAKE_APT = '#!/bin/bash\necho "$(basename "$0") $*" >>"$SYSTEMCTL_LOG.apt"\n'


@dataclass
class Sandbox:
    """One machine's changes (under `state`) across several install.sh runs."""

    state: Path
    systemd: bool = True  # False: as in a chroot or an image being built, where no systemd runs

    @property
    def systemctl_log(self) -> Path:
        return self.state / "systemctl.log"

    def path(self, absolute: str) -> Path:
        """Where a file the runs wrote to `absolute` is kept (the overlay's upper layer)."""
        for top in OVERLAID:
            if absolute.lstrip("/").startswith(top + "/"):
                return self.state / "upper" / top.replace("/", "_") / absolute.lstrip("/")[len(top) + 1 :]
        raise ValueError(absolute)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        bin_dir = self.state / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("systemctl", FAKE_SYSTEMCTL),
            ("dpkg-query", FAKE_DPKG_QUERY),
            ("apt-get", FAKE_APT),
            ("apt-cache", FAKE_APT),
        ):
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
        self.systemctl_log.touch()
        mounts = []
        for top in OVERLAID:
            name = top.replace("/", "_")
            upper, work = self.state / "upper" / name, self.state / "work" / name
            upper.mkdir(parents=True, exist_ok=True)
            work.mkdir(parents=True, exist_ok=True)
            mounts.append(f"mount -t overlay overlay -o lowerdir=/{top},upperdir={upper},workdir={work} /{top}")
        run = ["mount -t tmpfs tmpfs /run"] + (["mkdir -p /run/systemd/system"] if self.systemd else [])
        script = " && ".join([*mounts, *run, 'exec bash "$@"'])
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET",)}
        env.update(PATH=f"{bin_dir}:{env['PATH']}", SYSTEMCTL_LOG=str(self.systemctl_log))
        completed = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "bash", "-c", script, "sandbox", str(INSTALL_SH), *args],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        if check and completed.returncode != 0:
            raise AssertionError(f"install.sh failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
        return completed

    def systemctl_calls(self) -> list[str]:
        return self.systemctl_log.read_text().splitlines()

    def forget_systemctl_calls(self) -> None:
        self.systemctl_log.write_text("")


def unshare_works() -> bool:
    """True where mount namespaces can be made (root); under CI=true always, so that a missing one fails."""
    if os.environ.get("CI") == "true":
        return True
    return (
        shutil.which("unshare") is not None
        and subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0
    )


def make_wheel(
    directory: Path, name: str, version: str, files: dict[str, str], console_scripts: dict[str, str] | None = None
) -> Path:
    """A real (tiny) wheel of `name` holding `files`, as a registry would serve it."""
    dist = name.replace("-", "_").replace(".", "_")
    info = f"{dist}-{version}.dist-info"
    contents = dict(files)
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    contents[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if console_scripts:
        contents[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{script} = {target}\n" for script, target in console_scripts.items()
        )
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():  # fixed times: the same wheel made twice is the same file
            archive.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return wheel


def write_pinned_list(directory: Path, set_name: str, wheels: list[Path]) -> Path:
    """requirements-<set>.txt as tools/build-wheelhouse.sh writes it: each file with its hash."""
    lines = [f"# the files of set {set_name}"]
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        lines.append(f"{name}=={version} --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}")
    path = directory / f"requirements-{set_name}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path
