#!/usr/bin/env bash
# Tries the whole install of one role in a fresh Debian bookworm root of one architecture, as a technician
# would on a new SD card, and prints one RESULT line (JSON) with what held, sizes and times. Slow under qemu,
# so not part of CI. Needs root, debootstrap, and for arm64/armhf qemu-user-static with binfmt_misc.
#
#   sudo tools/rootfs-check.sh --arch amd64|arm64|armhf --role till|kiosk|central [--work DIR] [--mirror URL]
#
# Steps: debootstrap bookworm (cached per architecture in --work), build the wheelhouse for that architecture
# in a separate builder root (tools/build-wheelhouse.sh --chroot: the target never sees a compiler), install
# the Debian packages install.sh asks for (its --dry-run says which), then, with NO network (unshare -n):
# install.sh --role R --wheel-dir W; kiosk --help, config check, doctor --json, status; start the service
# (emulated hardware) or central and get HTTP 200; install.sh again (must change nothing); uninstall.
set -Eeuo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARCH=""
ROLE=""
WORK=/var/tmp/kiosk-rootfs
MIRROR=http://deb.debian.org/debian
PORT=18080

die() {
  echo "rootfs-check.sh: $*" >&2
  exit 2
}

while (($#)); do
  case $1 in
    --arch) ARCH=${2:-}; shift ;;
    --role) ROLE=${2:-}; shift ;;
    --work) WORK=${2:-}; shift ;;
    --mirror) MIRROR=${2:-}; shift ;;
    -h | --help) sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
case $ARCH in amd64 | arm64 | armhf) ;; *) die "--arch amd64, arm64 or armhf" ;; esac
case $ROLE in till | kiosk | central) ;; *) die "--role till, kiosk or central" ;; esac
[[ $(id -u) -eq 0 ]] || die "run as root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

BASE_TAR=$WORK/base-$ARCH.tar
BUILDER=$WORK/builder-$ARCH
WHEELS=$WORK/wheels-$ARCH
TARGET=$WORK/$ROLE-$ARCH
LOG=$WORK/$ROLE-$ARCH.log
mkdir -p "$WORK"
: >"$LOG"
declare -A TIMES
FAILED=""
MOUNTED=()

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
note() { echo "--- $*" | tee -a "$LOG"; }
fail() { FAILED+="${FAILED:+; }$*"; note "FAILED: $*"; }

mount_api() {
  local root=$1 what
  for what in proc sys dev dev/pts run; do
    mkdir -p "$root/$what"
    case $what in
      proc) mount -t proc proc "$root/proc" ;;
      sys) mount -t sysfs sys "$root/sys" ;;
      dev) mount --bind /dev "$root/dev" ;;
      dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
      run) mount -t tmpfs tmpfs "$root/run" ;;
    esac
    MOUNTED=("$root/$what" "${MOUNTED[@]}")
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf"
}

unmount_all() {
  local path
  for path in "${MOUNTED[@]}"; do umount -l "$path" 2>/dev/null || true; done
  MOUNTED=()
}
trap 'unmount_all; [[ -n ${SERVER_PID:-} ]] && kill "$SERVER_PID" 2>/dev/null; true' EXIT

in_root() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 "$@"
}

fresh_root() {
  local root=$1
  rm -rf "$root"
  mkdir -p "$root"
  tar -C "$root" -xf "$BASE_TAR"
}

# ------------------------------------------------------------------------------------- base system
start=$(now)
if [[ ! -f $BASE_TAR ]]; then
  note "debootstrap bookworm $ARCH"
  rm -rf "$WORK/base-$ARCH"
  debootstrap --variant=minbase --arch="$ARCH" --include=ca-certificates bookworm "$WORK/base-$ARCH" "$MIRROR" \
    >>"$LOG" 2>&1
  tar -C "$WORK/base-$ARCH" -cf "$BASE_TAR" .
  rm -rf "$WORK/base-$ARCH"
fi
TIMES[debootstrap_s]=$(since "$start")

# ------------------------------------------------------------------ wheelhouse, built apart from the target
start=$(now)
if [[ ! -f $WHEELS/requirements-central.txt ]]; then
  note "build the wheelhouse for $ARCH in $BUILDER"
  fresh_root "$BUILDER"
  mount_api "$BUILDER"
  in_root "$BUILDER" apt-get update -qq >>"$LOG" 2>&1
  build=(python3-venv python3-dev gcc)
  [[ $ARCH == armhf ]] && build+=(libjpeg-dev zlib1g-dev libffi-dev libyaml-dev)
  in_root "$BUILDER" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${build[@]}" >>"$LOG" 2>&1
  # The registry is reached as from this machine: through its certificate authorities (a proxy's included).
  cp /etc/ssl/certs/ca-certificates.crt "$BUILDER/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$WHEELS"
  sets=device,central
  [[ $ARCH == arm64 ]] && sets=device,device-pi5,central
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    "$SOURCE_DIR/tools/build-wheelhouse.sh" --chroot "$BUILDER" --out "$WHEELS" --sets "$sets" >>"$LOG" 2>&1 ||
    fail "build-wheelhouse.sh"
  unmount_all
  rm -rf "$BUILDER"
fi
# The dependencies' wheels are kept between runs; the kiosk's own is always this checkout's (pure Python).
build_venv=$(mktemp -d)
rm -f "$WHEELS"/loyalty_kiosk-*.whl
if ! { python3 -m venv "$build_venv" && "$build_venv/bin/python" -m pip --disable-pip-version-check wheel \
  --quiet --no-deps "$SOURCE_DIR" --wheel-dir "$WHEELS"; } >>"$LOG" 2>&1; then
  fail "the kiosk's wheel"
fi
rm -rf "$build_venv"
TIMES[wheelhouse_s]=$(since "$start")

# ------------------------------------------------------------------------------------------- target
fresh_root "$TARGET"
mount_api "$TARGET"
mkdir -p "$TARGET/root/kiosk" "$TARGET/root/wheels"
(cd "$SOURCE_DIR" && git ls-files -z | xargs -0 cp --parents -t "$TARGET/root/kiosk")
cp "$WHEELS"/* "$TARGET/root/wheels/"

note "Debian packages install.sh asks for"
wanted=$(in_root "$TARGET" bash /root/kiosk/install.sh --role "$ROLE" --wheel-dir /root/wheels --dry-run |
  sed -n 's/^would: install Debian packages: //p')
start=$(now)
in_root "$TARGET" apt-get update -qq >>"$LOG" 2>&1
# shellcheck disable=SC2086  # a list of package names
in_root "$TARGET" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $wanted \
  >>"$LOG" 2>&1 || fail "apt-get install $wanted"
TIMES[debian_packages_s]=$(since "$start")
in_root "$TARGET" sh -c 'command -v gcc cc' >/dev/null && fail "a compiler is on the target"

offline() { unshare --net chroot "$TARGET" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 "$@"; }

note "install.sh --role $ROLE --wheel-dir (no network)"
start=$(now)
if offline bash /root/kiosk/install.sh --role "$ROLE" --wheel-dir /root/wheels >>"$LOG" 2>&1; then
  TIMES[install_s]=$(since "$start")
else
  fail "install.sh"
fi
kiosk=(/usr/local/bin/kiosk)
in_root "$TARGET" "${kiosk[@]}" --help >>"$LOG" 2>&1 || fail "kiosk --help"
in_root "$TARGET" "${kiosk[@]}" config check >>"$LOG" 2>&1 || fail "kiosk config check"
if doctor=$(in_root "$TARGET" "${kiosk[@]}" doctor --json 2>>"$LOG"; true) &&
  python3 -c 'import json, sys; json.loads(sys.stdin.read())["checks"]' <<<"$doctor"; then
  echo "$doctor" >>"$LOG"
else
  fail "kiosk doctor --json"
fi
in_root "$TARGET" "${kiosk[@]}" status >>"$LOG" 2>&1 || fail "kiosk status"
start=$(now)
in_root "$TARGET" /opt/kiosk/venv/bin/python -I -c 'import kiosk.cli, kiosk.runner, web' 2>>"$LOG" ||
  fail "import of kiosk serve"
TIMES[serve_import_s]=$(since "$start")

note "start the $ROLE's server and get HTTP 200"
if [[ $ROLE == central ]]; then
  sed -i "s/^CENTRAL_PORT=.*/CENTRAL_PORT=$PORT/" "$TARGET/etc/kiosk/central.env"
  url=http://127.0.0.1:$PORT/api/health
  # shellcheck disable=SC2046  # KEY=value words, as systemd's EnvironmentFile= gives them
  chroot "$TARGET" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 $(grep -v '^#' "$TARGET/etc/kiosk/central.env") \
    setpriv --reuid=kiosk --regid=kiosk --init-groups /opt/kiosk/venv/bin/kiosk central serve >>"$LOG" 2>&1 &
else
  sed -e 's/^mode = "pi"/mode = "emulated"/' -e "s/^port = 8080/port = $PORT/" "$TARGET/etc/kiosk/kiosk.toml" \
    >"$TARGET/etc/kiosk/check.toml"
  chmod 644 "$TARGET/etc/kiosk/check.toml"
  url=http://127.0.0.1:$PORT/$ROLE/
  chroot "$TARGET" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 KIOSK_CONFIG=/etc/kiosk/check.toml \
    setpriv --reuid=kiosk --regid=kiosk --init-groups /opt/kiosk/venv/bin/kiosk serve >>"$LOG" 2>&1 &
fi
SERVER_PID=$!
start=$(now)
code=000
for _ in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -L "$url" || true)
  [[ $code == 200 ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 1
done
TIMES[http_200_s]=$(since "$start")
[[ $code == 200 ]] || fail "HTTP $code from $url"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

note "install.sh again: nothing may change"
start=$(now)
again=$(offline bash /root/kiosk/install.sh --role "$ROLE" --wheel-dir /root/wheels 2>&1) || fail "second install.sh"
echo "$again" >>"$LOG"
TIMES[rerun_s]=$(since "$start")
rerun_changes=$(grep -c '^==> ' <<<"$again" || true)
((rerun_changes == 0)) || fail "the second run made $rerun_changes change(s)"

venv_mb=$(du -sm "$TARGET/opt/kiosk/venv" | cut -f1)
note "uninstall"
in_root "$TARGET" bash /opt/kiosk/install.sh --uninstall >>"$LOG" 2>&1 || fail "install.sh --uninstall"
[[ ! -e $TARGET/opt/kiosk && ! -e $TARGET/usr/local/bin/kiosk ]] || fail "uninstall left /opt/kiosk"
unmount_all

wheel=("$WHEELS"/loyalty_kiosk-*.whl)
version=$(basename "${wheel[0]}" | cut -d- -f2)
printf 'RESULT {"arch": "%s", "role": "%s", "ok": %s, "failed": "%s", "version": "%s", "venv_mb": %s, ' \
  "$ARCH" "$ROLE" "$([[ -z $FAILED ]] && echo true || echo false)" "$FAILED" "$version" "${venv_mb:-null}"
printf '"rerun_changes": %s' "$rerun_changes"
for key in debootstrap_s wheelhouse_s debian_packages_s install_s serve_import_s http_200_s rerun_s; do
  printf ', "%s": %s' "$key" "${TIMES[$key]:-null}"
done
printf ', "log": "%s"}\n' "$LOG"
[[ -z $FAILED ]]
