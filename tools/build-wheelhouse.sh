#!/usr/bin/env bash
# Builds a wheelhouse: every package a till, kiosk or central server needs, as wheels for ONE architecture,
# so that `install.sh --wheel-dir DIR` installs with no network and no compiler. Sources with no wheel for
# that architecture (RPi.GPIO and spidev always; pillow, pyyaml and cffi on 32-bit ARM) are compiled here.
#
#   tools/build-wheelhouse.sh --out DIR [--sets device,device-pi5,central] [--chroot ROOT]
#
# Run it on a machine of the target's architecture with the target's Python (Debian bookworm and Raspberry
# Pi OS: 3.11), or give --chroot ROOT: a Debian bookworm root of the target's architecture (debootstrap;
# qemu-user-static runs it on another architecture), where it runs itself. It needs the network (the
# registry) and python3-venv, python3-dev and gcc (plus, for armhf, libjpeg-dev zlib1g-dev libffi-dev
# libyaml-dev); the Pis do not.
#
# DIR then holds the wheels, loyalty_kiosk-<version>-py3-none-any.whl (the version comes from git: every
# commit has its own), and requirements-<set>.txt per set: each package's exact file with its sha256, what
# install.sh installs with pip --require-hashes. Every file downloaded is first checked against the hashes of
# requirements/<set>.txt.
set -Eeuo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT=""
SETS="device,central"
CHROOT=""
DEPS_ONLY=0

die() {
  echo "build-wheelhouse.sh: $*" >&2
  exit 2
}

while (($#)); do
  case $1 in
    --out) OUT=${2:-}; shift ;;
    --sets) SETS=${2:-}; shift ;;
    --chroot) CHROOT=${2:-}; shift ;;
    --deps-only) DEPS_ONLY=1 ;;
    -h | --help) sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[[ -n $OUT ]] || die "say where: --out DIR"
IFS=, read -r -a SET_LIST <<<"$SETS"
for set in "${SET_LIST[@]}"; do
  [[ -f $SOURCE_DIR/requirements/$set.txt ]] || die "unknown set '$set': one of device, device-pi5, central"
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The kiosk package is pure Python (one wheel for every machine): built here, where git gives its version.
if ((!DEPS_ONLY)); then
  echo "==> the kiosk package"
  rm -f "$OUT"/loyalty_kiosk-*.whl
  python3 -m venv "$work/build"
  "$work/build/bin/python" -m pip --disable-pip-version-check wheel --quiet --no-deps "$SOURCE_DIR" --wheel-dir "$OUT"
fi

# In a chroot of the target: the rest runs there, on the target's Python and compiler.
if [[ -n $CHROOT ]]; then
  [[ -x $CHROOT/usr/bin/python3 ]] || die "--chroot $CHROOT has no /usr/bin/python3"
  inside=/tmp/kiosk-wheelhouse.$$
  mkdir -p "$CHROOT$inside/tools" "$CHROOT$inside/out"
  trap 'rm -rf "$work" "${CHROOT:?}$inside"' EXIT
  cp -r "$SOURCE_DIR/requirements" "$CHROOT$inside/"
  cp "$SOURCE_DIR/tools/build-wheelhouse.sh" "$CHROOT$inside/tools/"
  cp "$OUT"/loyalty_kiosk-*.whl "$CHROOT$inside/out/"
  # pip's settings given in the environment (a proxy, its CA: PIP_CERT names a file inside the root) go along.
  mapfile -t pip_env < <(env | grep -E '^(PIP_(CERT|INDEX_URL|TRUSTED_HOST|PROXY)|https?_proxy|HTTPS?_PROXY)=' || true)
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "${pip_env[@]}" \
    bash "$inside/tools/build-wheelhouse.sh" --out "$inside/out" --sets "$SETS" --deps-only
  cp "$CHROOT$inside"/out/* "$OUT"/
  echo "wheelhouse for $(chroot "$CHROOT" dpkg --print-architecture) in $OUT"
  exit 0
fi

python3 -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet --upgrade pip

for set in "${SET_LIST[@]}"; do
  echo "==> $set: wheels of requirements/$set.txt (hash-checked; sources compiled here)"
  "${pip[@]}" wheel --quiet --require-hashes --no-deps -r "$SOURCE_DIR/requirements/$set.txt" --wheel-dir "$OUT"
done

# Each set's list: what pip picks on this machine from the lock (markers applied), as exact files with hashes.
for set in "${SET_LIST[@]}"; do
  sed -e '/^[[:space:]]*--hash/d' -e 's/[[:space:]]*\\$//' "$SOURCE_DIR/requirements/$set.txt" >"$work/$set.txt"
  "${pip[@]}" install --quiet --dry-run --ignore-installed --no-index --find-links "$OUT" --no-deps \
    -r "$work/$set.txt" --report "$work/$set.json"
  python3 - "$work/$set.json" "$OUT" "$set" >"$OUT/requirements-$set.txt" <<'PY'
import hashlib, json, pathlib, sys
from urllib.parse import unquote, urlparse
report, out, name = json.load(open(sys.argv[1])), pathlib.Path(sys.argv[2]), sys.argv[3]
print(f"# Written by tools/build-wheelhouse.sh: the files of set {name} in this wheelhouse, with their hashes.")
for item in sorted(report["install"], key=lambda i: i["metadata"]["name"].lower()):
    path = pathlib.Path(unquote(urlparse(item["download_info"]["url"]).path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f'{item["metadata"]["name"]}=={item["metadata"]["version"]} --hash=sha256:{digest}')
PY
done
echo "wheelhouse for $(dpkg --print-architecture 2>/dev/null || uname -m) in $OUT: $(find "$OUT" -name '*.whl' | wc -l) wheels"
