#!/usr/bin/env bash
# Writes the pinned, hashed package lists install.sh installs from: requirements/<set>.txt, one per role set
# (device: till and kiosk; device-pi5: the same with rpi-lgpio in place of RPi.GPIO; central), for Python 3.11
# (Debian bookworm, Raspberry Pi OS). Each is resolved for every platform at once (amd64, arm64, armhf):
# what differs by machine carries a marker, and every file of each pinned release (each platform's wheel and
# the source) has its hash, so pip on any of them installs only those exact files.
# Run it after changing the dependencies in pyproject.toml, and commit what it wrote:
#
#   tools/lock-requirements.sh [--upgrade]        (uses uv from .venv, installing it there when missing)
set -Eeuo pipefail
cd "$(dirname "$0")/.."

UV=.venv/bin/uv
[[ -x $UV ]] || .venv/bin/python -m pip install --quiet uv
UPGRADE=()
[[ ${1:-} == --upgrade ]] && UPGRADE=(--upgrade)

# The central server never drives hardware: its set is the base set less the device drivers, plus the central
# extra, so it needs no compiler (spidev, RPi.GPIO) and installs with --no-deps from this list.
NO_HARDWARE=$(mktemp)
NO_RPI_GPIO=$(mktemp)
PI5_EXTRA=$(mktemp)
trap 'rm -f "$NO_HARDWARE" "$NO_RPI_GPIO" "$PI5_EXTRA"' EXIT
python3 - "$NO_HARDWARE" <<'PY'
import re, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
hardware = {"mfrc522", "gpiozero", "lgpio", "pyserial", "python-escpos"}
wanted = [r for r in project["dependencies"] if re.split(r"[<>=;\[ ]", r, maxsplit=1)[0].lower() not in hardware]
open(sys.argv[1], "w").write("\n".join(wanted + project["optional-dependencies"]["central"]) + "\n")
PY
# A Pi 5's GPIO is reached through lgpio: rpi-lgpio stands in for RPi.GPIO (mfrc522 imports RPi.GPIO).
printf 'RPi.GPIO; sys_platform == "never"\n' >"$NO_RPI_GPIO"
printf 'rpi-lgpio>=0.6\n' >"$PI5_EXTRA"

lock() {
  local out=$1
  shift
  "$UV" pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header --no-emit-package setuptools \
    "${UPGRADE[@]}" -o "$out" "$@"
  sed -i "1i # Written by tools/lock-requirements.sh from pyproject.toml: do not edit by hand." "$out"
  echo "wrote $out ($(grep -c '==' "$out") packages)"
}

lock requirements/device.txt pyproject.toml
lock requirements/device-pi5.txt pyproject.toml "$PI5_EXTRA" --override "$NO_RPI_GPIO"
lock requirements/central.txt "$NO_HARDWARE"
