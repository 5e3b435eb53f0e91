#!/usr/bin/env bash
# Installs the loyalty kiosk in one command: a till or self-service kiosk on Raspberry Pi OS, or the
# central server on Debian. Idempotent: running it again changes only what is missing or out of date,
# and an upgrade keeps /etc/kiosk/kiosk.toml and the data in /var/lib/kiosk.
#
#   sudo ./install.sh --role till|kiosk|central [--dry-run] [--no-venv] [--wheel-dir DIR] [--no-packages]
#                     [--arch amd64|arm64|armhf] [--root DIR]
#   sudo ./install.sh --uninstall [--purge [--force]]
#
# What it does (roles till and kiosk): turns on SPI (card reader) and the serial port (receipt printer) and
# turns off the serial console in the boot files (/boot/firmware on Bookworm, /boot before), installs the
# Debian packages (python3-venv, cage, Chromium), creates the user kiosk (groups spi, gpio, dialout) and
# kiosk-display (the screen), a virtual environment in /opt/kiosk/venv with exactly the packages pinned in
# requirements/ (rpi-lgpio in place of RPi.GPIO on a Pi 5), `kiosk` on the PATH, the config template
# /etc/kiosk/kiosk.toml (never overwritten), and the systemd units, enabled. Role central: user, venv (without
# the hardware drivers), config, central.env, /var/lib/kiosk-central and kiosk-central.service only.
# A run that finds everything in place changes nothing and restarts nothing; a unit is restarted only when
# what it runs changed (the kiosk package, its packages, its unit, the screen's page).
#
# Options:
#   --root DIR      install into the directory tree DIR instead of / (for tests and image building). The
#                   real system is never touched: users and groups are written into DIR/etc/passwd and
#                   DIR/etc/group (no shadow entries: these are locked system accounts, no ownership change),
#                   units are enabled by creating the wants/ symlinks, Debian packages are listed, not
#                   installed, and nothing is started. A venv cannot be made for another system from here
#                   (it would run this machine's Python): the wheelhouse given with --wheel-dir is copied to
#                   DIR/opt/kiosk/wheelhouse and kiosk-firstboot.service makes the venv from it, offline, on
#                   the first boot. Or run install.sh inside the image (chroot): the venv is made there.
#                   Inside a chroot (no running systemd) nothing is started either: units are enabled and
#                   the first boot starts them.
#   --dry-run       print what would change and change nothing.
#   --no-venv       do not create or update the virtual environment (no download).
#   --wheel-dir DIR install the venv offline from a wheelhouse made by tools/build-wheelhouse.sh (no network).
#   --no-packages   do not install Debian packages (they are then expected to be there).
#   --no-start      start and restart no unit (first boot: systemd starts them after this run).
#   --board MODEL   the Raspberry Pi model, when it cannot be read from /proc/device-tree/model (an image
#                   built elsewhere), e.g. "Raspberry Pi 5 Model B".
#   --arch ARCH     the Debian architecture of the target (default: the target's own dpkg, else this machine).
#   --uninstall     stop and remove the units, /opt/kiosk and generated files; keeps the configuration,
#                   the data and the users. With --purge, removes those too, but refuses while the data holds
#                   what exists nowhere else (sales not yet sent to central, central's database and its
#                   phone-card signing key) unless --force is given too. Boot settings are left as they are
#                   (SPI and the serial port on do no harm).
set -Eeuo pipefail

readonly APP_DIR=/opt/kiosk
readonly CONF_DIR=/etc/kiosk
readonly DATA_DIR=/var/lib/kiosk
readonly CENTRAL_DATA_DIR=/var/lib/kiosk-central
readonly PATH_LINK=/usr/local/bin/kiosk
readonly UNIT_DIR=/etc/systemd/system
readonly SERVICE_USER=kiosk
readonly DISPLAY_USER=kiosk-display
readonly DEVICE_GROUPS=(spi gpio dialout input)  # input: the keyboard-wedge QR scanner's evdev node
readonly DISPLAY_GROUPS=(video render input)
readonly UART_CONSOLE_RE='^console=(serial0|serial1|ttyAMA0|ttyAMA10|ttyS0)(,.*)?$'

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROLE=""
ROOT="/"
DRY_RUN=0
NO_VENV=0
NO_PACKAGES=0
NO_START=0
WHEEL_DIR=""
UNINSTALL=0
PURGE=0
FORCE=0
ARCH=""
BOARD=""
CHANGES=0
REBOOT_NEEDED=0
UNITS_CHANGED=0
DAEMON_RELOADED=0
SERVICE_CHANGED=0
DISPLAY_CHANGED=0
CURRENT_STEP=""

usage() {
  sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

die() {
  echo "install.sh: $*" >&2
  exit 2
}

say() {
  echo "$*"
}

# Every change goes through act: it is announced with "==>" and skipped under --dry-run.
act() {
  local what=$1
  shift
  CHANGES=$((CHANGES + 1))
  if ((DRY_RUN)); then
    echo "would: $what"
  else
    echo "==> $what"
    CURRENT_STEP=$what
    "$@"
    CURRENT_STEP=""
  fi
}

# A command failing inside a step stops the script (set -e); say which step it was.
on_error() {
  if [[ -n $CURRENT_STEP ]]; then
    echo "install.sh: failed: $CURRENT_STEP. Fix the cause and run install.sh again: what is done is kept." >&2
    CURRENT_STEP=""
  fi
}
trap on_error ERR

# However a run ends, systemd learns of the unit files it changed (a half-finished run included).
reload_systemd_on_exit() {
  if ((UNITS_CHANGED && !DAEMON_RELOADED && !DRY_RUN)) && systemd_running; then
    systemctl daemon-reload || true
  fi
}
trap reload_systemd_on_exit EXIT

# The path of a system file inside the target tree.
at() {
  printf '%s%s' "${ROOT%/}" "$1"
}

on_host() {
  [[ $ROOT == / ]]
}

# Units can be started and reloaded only where systemd runs: not in a chroot or an image being built.
systemd_running() {
  on_host && [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null
}

parse_args() {
  while (($#)); do
    case $1 in
      --role) ROLE=${2:-}; shift ;;
      --role=*) ROLE=${1#*=} ;;
      --root) ROOT=${2:-}; shift ;;
      --root=*) ROOT=${1#*=} ;;
      --wheel-dir) WHEEL_DIR=${2:-}; shift ;;
      --wheel-dir=*) WHEEL_DIR=${1#*=} ;;
      --board) BOARD=${2:-}; shift ;;
      --board=*) BOARD=${1#*=} ;;
      --arch) ARCH=${2:-}; shift ;;
      --arch=*) ARCH=${1#*=} ;;
      --force) FORCE=1 ;;
      --dry-run) DRY_RUN=1 ;;
      --no-venv) NO_VENV=1 ;;
      --no-packages) NO_PACKAGES=1 ;;
      --no-start) NO_START=1 ;;
      --uninstall) UNINSTALL=1 ;;
      --purge) PURGE=1 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
  done
  if ((!UNINSTALL)); then
    case $ROLE in
      till | kiosk | central) ;;
      "") die "say which role this machine has: --role till, --role kiosk or --role central" ;;
      *) die "unknown role '$ROLE': use till, kiosk or central" ;;
    esac
  fi
  ((PURGE && !UNINSTALL)) && die "--purge only goes with --uninstall"
  ((FORCE && !PURGE)) && die "--force only goes with --uninstall --purge"
  [[ -n $ROOT ]] || die "--root needs a directory"
  [[ -d $ROOT ]] || die "--root $ROOT is not a directory"
  ROOT=$(cd "$ROOT" && pwd)
  if [[ -n $WHEEL_DIR ]]; then
    [[ -d $WHEEL_DIR ]] || die "--wheel-dir $WHEEL_DIR is not a directory"
    WHEEL_DIR=$(cd "$WHEEL_DIR" && pwd)
    compgen -G "$WHEEL_DIR/requirements-*.txt" >/dev/null ||
      die "--wheel-dir $WHEEL_DIR is not a wheelhouse (no requirements-*.txt): build one with tools/build-wheelhouse.sh"
  fi
  if ! on_host && ((!UNINSTALL && !NO_VENV)) && [[ -z $WHEEL_DIR ]]; then
    die "--root needs --wheel-dir (the venv is made from it on the first boot) or --no-venv"
  fi
  if on_host && ((!DRY_RUN)) && [[ $(id -u) -ne 0 ]]; then
    die "run as root (sudo), or try it first with --dry-run"
  fi
  [[ -n $ARCH ]] || ARCH=$(target_arch)
  case $ARCH in
    amd64 | arm64 | armhf) ;;
    *) die "unsupported architecture '$ARCH': amd64, arm64 or armhf (32-bit Raspberry Pi OS)" ;;
  esac
}

# The target's Debian architecture: what its dpkg was built for, else this machine's.
target_arch() {
  local status
  status=$(at /var/lib/dpkg/status)
  if [[ -r $status ]] && awk '/^Package: dpkg$/ { f = 1 } f && /^Architecture:/ { print $2; found = 1; exit }
      END { exit !found }' "$status"; then
    return 0
  fi
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    armv7l | armv6l | armhf) echo armhf ;;
    *) uname -m ;;
  esac
}

device_role() {
  [[ $ROLE == till || $ROLE == kiosk ]]
}

# ---------------------------------------------------------------------------------------------- files

# Copy src to dest with the given mode when dest is missing or differs.
install_file() {
  local src=$1 dest=$2 mode=$3
  if [[ -f $dest ]] && cmp -s "$src" "$dest" && [[ $(stat -c %a "$dest") == "$mode" ]]; then
    return 0
  fi
  act "install $(shown "$dest")" install -D -m "$mode" "$src" "$dest"
  return 1
}

# Write text to dest with the given mode when dest is missing or differs.
# Returns 1 when it changed dest, like install_file.
write_file() {
  local dest=$1 mode=$2 text=$3 tmp changed=0
  tmp=$(mktemp)
  printf '%s' "$text" >"$tmp"
  install_file "$tmp" "$dest" "$mode" || changed=1
  rm -f "$tmp"
  return "$changed"
}

ensure_dir() {
  local dir=$1 mode=$2 owner=${3:-}
  local path
  path=$(at "$dir")
  if [[ ! -d $path ]] || [[ $(stat -c %a "$path") != "$mode" ]]; then
    act "create directory $dir (mode $mode)" install -d -m "$mode" "$path"
  fi
  if [[ -n $owner ]] && on_host && [[ $(stat -c %U:%G "$path" 2>/dev/null) != "$owner" ]]; then
    act "give $dir to $owner" chown "$owner" "$path"
  fi
}

# A path as it is on the target system.
shown() {
  local path=$1
  if on_host; then
    printf '%s' "$path"
  else
    printf '%s' "/${path#"$ROOT"/}"
  fi
}

remove_path() {
  local path
  path=$(at "$1")
  if [[ -e $path || -L $path ]]; then
    act "remove $1" rm -rf -- "$path"
  fi
}

# ------------------------------------------------------------------------------------ boot settings

# The value a Raspberry Pi config.txt gives to key (a dtparam name or a plain key), the last one winning.
config_txt_value() {
  local file=$1 key=$2
  awk -v key="$key" '
    { sub(/#.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
    /^dtparam=/ {
      n = split(substr($0, 9), items, ",")
      for (i = 1; i <= n; i++) {
        split(items[i], kv, "=")
        if (kv[1] == key) value = (kv[2] == "" ? "on" : kv[2])
      }
      next
    }
    { eq = index($0, "="); if (eq > 0 && substr($0, 1, eq - 1) == key) value = substr($0, eq + 1) }
    END { print value }
  ' "$file"
}

is_on() {
  case ${1,,} in on | 1 | true | yes) return 0 ;; *) return 1 ;; esac
}

backup_once() {
  local file=$1
  [[ -e $file.kiosk-orig ]] || cp -p "$file" "$file.kiosk-orig"
}

# Append a line to config.txt under an [all] section so no model filter applies to it.
append_config_line() {
  local file=$1 line=$2 last_section
  backup_once "$file"
  last_section=$(grep -E '^[[:space:]]*\[[^]]*\]' "$file" | tail -n 1 | tr -d '[:space:]' || true)
  [[ -n $(tail -c 1 "$file") ]] && echo >>"$file"
  if [[ -n $last_section && $last_section != "[all]" ]]; then
    printf '\n[all]\n' >>"$file"
  fi
  printf '%s\n' "$line" >>"$file"
}

remove_serial_console() {
  local file=$1 kept=() word
  backup_once "$file"
  read -r -a words <"$file"
  for word in "${words[@]}"; do
    [[ $word =~ $UART_CONSOLE_RE ]] || kept+=("$word")
  done
  printf '%s\n' "${kept[*]}" >"$file"
}

pi_model() {
  local model_file
  [[ -n $BOARD ]] && { echo "$BOARD"; return 0; }
  model_file=$(at /proc/device-tree/model)
  if [[ -r $model_file ]]; then
    tr -d '\0' <"$model_file"
  fi
}

is_pi5() {
  [[ $(pi_model) == "Raspberry Pi 5"* ]]
}

configure_boot() {
  local boot config cmdline
  if [[ -f $(at /boot/firmware/config.txt) ]]; then
    boot=/boot/firmware
  elif [[ -f $(at /boot/config.txt) ]]; then
    boot=/boot
  else
    say "no Raspberry Pi boot files (/boot/firmware/config.txt): SPI and the serial port left as they are"
    return 0
  fi
  config=$(at "$boot/config.txt")
  cmdline=$(at "$boot/cmdline.txt")
  if ! is_on "$(config_txt_value "$config" spi)"; then
    act "turn on SPI for the card reader (dtparam=spi=on in $boot/config.txt)" \
      append_config_line "$config" "dtparam=spi=on"
    REBOOT_NEEDED=1
  fi
  if ! is_on "$(config_txt_value "$config" enable_uart)"; then
    act "turn on the serial port for the printer (enable_uart=1 in $boot/config.txt)" \
      append_config_line "$config" "enable_uart=1"
    REBOOT_NEEDED=1
  fi
  if is_pi5 && ! is_on "$(config_txt_value "$config" uart0)"; then
    act "Pi 5: put UART0 on GPIO 14/15 for the printer (dtparam=uart0=on in $boot/config.txt)" \
      append_config_line "$config" "dtparam=uart0=on"
    REBOOT_NEEDED=1
  fi
  if [[ -f $cmdline ]]; then
    local word
    for word in $(<"$cmdline"); do
      if [[ $word =~ $UART_CONSOLE_RE ]]; then
        act "turn off the serial console on the printer's UART ($word in $boot/cmdline.txt)" \
          remove_serial_console "$cmdline"
        REBOOT_NEEDED=1
        break
      fi
    done
  fi
}

# --------------------------------------------------------------------------------- users and groups

# In --root mode, users and groups are lines in <root>/etc/passwd and <root>/etc/group.
# A missing file reads as empty; it is created by the first entry written into it.
db_file() {
  at "/etc/$1"
}

create_db_file() {
  local file
  file=$(db_file "$1")
  [[ -f $file ]] || { mkdir -p "$(dirname "$file")"; : >"$file"; }
}

group_exists() {
  if on_host; then getent group "$1" >/dev/null; else grep -qs "^$1:" "$(db_file group)"; fi
}

user_exists() {
  if on_host; then getent passwd "$1" >/dev/null; else grep -qs "^$1:" "$(db_file passwd)"; fi
}

in_group() {
  local user=$1 group=$2
  if on_host; then
    id -nG "$user" 2>/dev/null | tr ' ' '\n' | grep -qx "$group"
  else
    [[ -f $(db_file group) ]] || return 1
    awk -F: -v g="$group" -v u="$user" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) f = 1 }
      END { exit !f }' "$(db_file group)"
  fi
}

# The lowest id from 100 to 999 that column 3 of the file does not use.
free_system_id() {
  local file=$1 id
  for ((id = 100; id < 1000; id++)); do
    awk -F: -v id="$id" '$3 == id { f = 1 } END { exit !f }' "$file" || { echo "$id"; return; }
  done
  die "no free system id left in $(shown "$file")"
}

file_add_group() {
  local name=$1 gid
  create_db_file group
  gid=$(free_system_id "$(db_file group)")
  printf '%s:x:%s:\n' "$name" "$gid" >>"$(db_file group)"
}

file_add_user() {
  local name=$1 home=$2 comment=$3 uid
  create_db_file passwd
  uid=$(free_system_id "$(db_file passwd)")
  group_exists "$name" || file_add_group "$name"
  printf '%s:x:%s:%s:%s:%s:/usr/sbin/nologin\n' "$name" "$uid" \
    "$(awk -F: -v g="$name" '$1 == g { print $3 }' "$(db_file group)")" "$comment" "$home" >>"$(db_file passwd)"
}

file_add_member() {
  local group=$1 user=$2 file tmp
  file=$(db_file group)
  tmp=$(mktemp)
  awk -F: -v OFS=: -v g="$group" -v u="$user" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' "$file" >"$tmp"
  cat "$tmp" >"$file"
  rm -f "$tmp"
}

file_remove_entry() {
  local name=$1 file=$2 tmp
  tmp=$(mktemp)
  awk -F: -v OFS=: -v n="$name" '$1 == n { next } { print }' "$file" >"$tmp"
  cat "$tmp" >"$file"
  rm -f "$tmp"
}

# Groups a dry run said it would create, so that a second member does not create them twice.
DRY_RUN_GROUPS=" "

ensure_group() {
  group_exists "$1" && return 0
  [[ $DRY_RUN_GROUPS == *" $1 "* ]] && return 0
  ((DRY_RUN)) && DRY_RUN_GROUPS+="$1 "
  if on_host; then
    act "create group $1" groupadd --system "$1"
  else
    act "create group $1 in $(shown "$(db_file group)")" file_add_group "$1"
  fi
}

ensure_user() {
  local name=$1 home=$2 comment=$3
  shift 3
  local group
  if ! user_exists "$name"; then
    if on_host; then
      act "create system user $name" useradd --system --user-group --home-dir "$home" --no-create-home \
        --shell /usr/sbin/nologin --comment "$comment" "$name"
    else
      act "create system user $name in $(shown "$(db_file passwd)")" file_add_user "$name" "$home" "$comment"
    fi
  fi
  for group in "$@"; do
    ensure_group "$group"
    in_group "$name" "$group" && continue
    if on_host; then
      act "add user $name to group $group" usermod -aG "$group" "$name"
    else
      act "add user $name to group $group" file_add_member "$group" "$name"
    fi
  done
}

create_users() {
  if device_role; then
    ensure_user "$SERVICE_USER" "$DATA_DIR" "Loyalty kiosk" "${DEVICE_GROUPS[@]}"
    ensure_user "$DISPLAY_USER" "/var/lib/$DISPLAY_USER" "Loyalty kiosk screen" "${DISPLAY_GROUPS[@]}"
  else
    ensure_user "$SERVICE_USER" "$DATA_DIR" "Loyalty kiosk central"
  fi
}

# ------------------------------------------------------------------------------------------ packages

debian_packages() {
  local packages=(python3 python3-venv)
  if device_role; then
    packages+=(cage "$(browser_package)")
  fi
  [[ $ROLE == central && $ARCH == armhf ]] && packages+=(libpq5)  # psycopg without its binary wheel
  # A wheelhouse holds every package built for this machine: nothing to compile then.
  if [[ -z $WHEEL_DIR ]] && ((!NO_VENV)); then
    local extra
    read -r -a extra <<<"$(build_packages | tr '\n' ' ')"
    packages+=("${extra[@]}")
  fi
  printf '%s\n' "${packages[@]}"
}

# What pip needs to build the packages that come as sources here: spidev and RPi.GPIO on any device, and on
# 32-bit ARM (no wheels on PyPI) pillow, pyyaml (python-escpos) and cffi (cryptography) too.
build_packages() {
  if device_role; then
    echo python3-dev gcc
    [[ $ARCH == armhf ]] && echo libjpeg-dev zlib1g-dev libffi-dev libyaml-dev
  elif [[ $ARCH == armhf ]]; then
    echo python3-dev gcc libffi-dev
  fi
  return 0
}

# Raspberry Pi OS ships its Chromium as chromium-browser; Debian as chromium.
browser_package() {
  if on_host && apt-cache policy chromium-browser 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    echo chromium-browser
  else
    echo chromium
  fi
}

browser_path() {
  if [[ -x $(at /usr/bin/chromium-browser) ]]; then echo /usr/bin/chromium-browser; else echo /usr/bin/chromium; fi
}

install_packages() {
  local wanted missing=() package
  mapfile -t wanted < <(debian_packages)
  if ! on_host || ((NO_PACKAGES)); then
    say "Debian packages not installed here (--root or --no-packages); needed: ${wanted[*]}"
    return 0
  fi
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if ((${#missing[@]})); then
    act "install Debian packages: ${missing[*]}" apt_install "${missing[@]}"
  fi
}

apt_install() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# ---------------------------------------------------------------------------------------------- venv
#
# The venv holds exactly the packages of one pinned list (requirements/<set>.txt, or the wheelhouse's own
# list of the files it holds, each with its hash) and the kiosk package itself. Both are installed with
# --no-deps, so nothing is resolved on the Pi on install day. The list's hash and the kiosk's version are
# compared with what the venv has: when both match, nothing is installed and no unit restarted.

# device, device-pi5 or central: which pinned set this machine gets.
package_set() {
  if [[ $ROLE == central ]]; then
    echo central
  elif is_pi5; then
    echo device-pi5
  else
    echo device
  fi
}

# The pinned list to install from: the wheelhouse's, else the source tree's.
pinned_list() {
  if [[ -n $WHEEL_DIR ]]; then
    echo "$WHEEL_DIR/requirements-$(package_set).txt"
  else
    echo "$SOURCE_DIR/requirements/$(package_set).txt"
  fi
}

installed_version() {
  local venv=$1
  # -I: not the current directory (a source checkout holds its own loyalty_kiosk.egg-info), nor PYTHON* variables
  "$venv/bin/python" -I -c 'import importlib.metadata as m; print(m.version("loyalty-kiosk"))' 2>/dev/null || true
}

# The version in a wheel's file name: name-version-python-abi-platform.whl
wheel_version() {
  local name
  name=$(basename "$1" .whl)
  name=${name#*-}
  echo "${name%%-*}"
}

# The kiosk wheel to install: the wheelhouse's, else one built now from the source tree into $1.
kiosk_wheel() {
  local build_dir=$1 wheels
  if [[ -n $WHEEL_DIR ]]; then
    wheels=("$WHEEL_DIR"/loyalty_kiosk-*.whl)
  else
    "$PYTHON_FOR_BUILD" -m pip wheel --quiet --no-deps --wheel-dir "$build_dir" "$SOURCE_DIR" >&2
    wheels=("$build_dir"/loyalty_kiosk-*.whl)
  fi
  [[ -f ${wheels[0]} ]] || return 1
  ((${#wheels[@]} == 1)) || die "more than one loyalty_kiosk wheel in $WHEEL_DIR: keep one per wheelhouse"
  echo "${wheels[0]}"
}

pip_install() {
  local venv=$1
  shift
  if [[ -n $WHEEL_DIR ]]; then  # the wheelhouse and nothing else: no index, no pip.conf (e.g. piwheels)
    PIP_CONFIG_FILE=/dev/null "$venv/bin/python" -m pip install --isolated --quiet --disable-pip-version-check \
      --no-index --find-links "$WHEEL_DIR" "$@"
  else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  fi
}

install_pinned() {
  local venv=$1 list=$2 digest=$3
  # RPi.GPIO and rpi-lgpio both own the RPi package: the one leaving must go before the other is written.
  if [[ $(package_set) == device-pi5 ]] && "$venv/bin/python" -m pip show --quiet RPi.GPIO >/dev/null 2>&1; then
    "$venv/bin/python" -m pip uninstall --quiet --yes RPi.GPIO
    pip_install "$venv" --require-hashes --no-deps --force-reinstall -r "$list"
  else
    pip_install "$venv" --require-hashes --no-deps -r "$list"
  fi
  printf '%s\n' "$digest" >"$venv/kiosk-pinned.sha256"
}

install_kiosk_wheel() {
  local venv=$1 wheel=$2
  pip_install "$venv" --no-deps --force-reinstall "$wheel"
}

install_venv() {
  local venv list digest wheel version build_dir
  venv=$(at "$APP_DIR/venv")
  if ((NO_VENV)); then
    say "virtual environment left as it is (--no-venv)"
    is_pi5 && say "Pi 5 detected: rpi-lgpio replaces RPi.GPIO in the virtual environment (skipped: --no-venv)"
    return 0
  fi
  if ! on_host; then
    bundle_wheelhouse
    return 0
  fi
  if [[ -z $WHEEL_DIR && ! -f $SOURCE_DIR/pyproject.toml ]]; then
    say "no project source next to install.sh and no --wheel-dir: the installed kiosk is kept as it is"
    return 0
  fi
  if [[ ! -x $venv/bin/python ]]; then
    act "create the virtual environment $APP_DIR/venv" python3 -m venv "$venv"
    SERVICE_CHANGED=1
    if ((DRY_RUN)); then
      act "install the pinned packages of $(basename "$(pinned_list)") and the kiosk" true
      ensure_path_link
      return 0
    fi
  fi
  list=$(pinned_list)
  if [[ ! -f $list ]]; then
    CURRENT_STEP="install the kiosk from the wheels in $WHEEL_DIR"
    [[ -n $WHEEL_DIR ]] || CURRENT_STEP="install the kiosk from $SOURCE_DIR"
    echo "install.sh: $(basename "$list") is missing in $(dirname "$list"): build the wheelhouse with" \
      "tools/build-wheelhouse.sh, or use the project's source" >&2
    false
  fi
  digest=$(sha256sum <"$list" | cut -d' ' -f1)
  if [[ $(cat "$venv/kiosk-pinned.sha256" 2>/dev/null) != "$digest" ]]; then
    act "install the pinned packages of $(basename "$list")$(is_pi5 && device_role && echo ' (Pi 5: rpi-lgpio in place of RPi.GPIO)')" \
      install_pinned "$venv" "$list" "$digest"
    SERVICE_CHANGED=1
  fi
  build_dir=$(mktemp -d)
  PYTHON_FOR_BUILD=$venv/bin/python
  if ! wheel=$(kiosk_wheel "$build_dir"); then
    rm -rf "$build_dir"
    if [[ -n $WHEEL_DIR ]]; then
      CURRENT_STEP="install the kiosk from the wheels in $WHEEL_DIR"
      echo "install.sh: no loyalty_kiosk wheel in $WHEEL_DIR" >&2
    else
      CURRENT_STEP="build the kiosk's wheel from $SOURCE_DIR (pip wheel; it needs the network)"
    fi
    false
  fi
  version=$(wheel_version "$wheel")
  if [[ $(installed_version "$venv") != "$version" ]]; then
    act "install the kiosk $version from $(if [[ -n $WHEEL_DIR ]]; then echo "the wheels in $WHEEL_DIR"; else echo "$SOURCE_DIR"; fi)$(
      v=$(installed_version "$venv"); [[ -n $v ]] && echo " (was $v)")" install_kiosk_wheel "$venv" "$wheel"
    SERVICE_CHANGED=1
  fi
  rm -rf "$build_dir"
  ensure_path_link
}

# Image building (--root): the wheelhouse goes into the image and the first boot makes the venv from it with
# the image's own Python, so no path or interpreter of the build machine ends up in the image.
bundle_wheelhouse() {
  local bundle file unit=kiosk-firstboot.service
  bundle=$(at "$APP_DIR/wheelhouse")
  ensure_dir "$APP_DIR/wheelhouse" 755
  for file in "$WHEEL_DIR"/*.whl "$WHEEL_DIR"/requirements-*.txt; do
    install_file "$file" "$bundle/$(basename "$file")" 644 || true
  done
  for file in "$bundle"/*; do
    [[ -e $WHEEL_DIR/$(basename "$file") ]] || remove_path "$APP_DIR/wheelhouse/$(basename "$file")"
  done
  write_file "$(at "$CONF_DIR/firstboot.env")" 644 "# Written by install.sh --root: what kiosk-firstboot.service installs."$'\n'"KIOSK_ROLE=$ROLE"$'\n' || true
  install_file "$SOURCE_DIR/systemd/$unit" "$(at "$UNIT_DIR/$unit")" 644 || true
  enable_unit "$unit"
}

# `kiosk` on every user's PATH (the README's `kiosk status`).
ensure_path_link() {
  local link
  link=$(at "$PATH_LINK")
  if [[ $(readlink "$link" 2>/dev/null) != "$APP_DIR/venv/bin/kiosk" ]]; then
    act "put kiosk on the PATH ($PATH_LINK)" make_link "$APP_DIR/venv/bin/kiosk" "$link"
  fi
}

# -------------------------------------------------------------------------------------------- config

web_port() {
  local file
  file=$(at "$CONF_DIR/kiosk.toml")
  local port=""
  [[ -f $file ]] && port=$(awk '/^\[/ { web = ($0 ~ /^\[web\]/) } web && /^[ \t]*port[ \t]*=/ { sub(/#.*/, ""); gsub(/[^0-9]/, "", $0); print; exit }' "$file")
  echo "${port:-8080}"
}

install_config() {
  local template=$SOURCE_DIR/config/kiosk.example.toml
  local target
  target=$(at "$CONF_DIR/kiosk.toml")
  [[ -f $template ]] || die "config template $template not found next to install.sh"
  ensure_dir "$CONF_DIR" 750 "root:$SERVICE_USER"
  install_file "$template" "$(at "$CONF_DIR/kiosk.example.toml")" 644 || true
  if [[ -e $target ]]; then
    say "keeping the configuration $CONF_DIR/kiosk.toml"
  else
    act "install the configuration template as $CONF_DIR/kiosk.toml (role $ROLE)" write_config "$template" "$target"
  fi
  if [[ $ROLE == central && ! -e $(at "$CONF_DIR/central.env") ]]; then
    act "create $CONF_DIR/central.env for the central server's settings" write_central_env
  fi
  if device_role; then
    write_file "$(at "$CONF_DIR/display.env")" 644 "$(display_env)"$'\n' || DISPLAY_CHANGED=1
  fi
}

write_config() {
  local template=$1 target=$2 data_dir=$DATA_DIR
  [[ $ROLE == central ]] && data_dir=$CENTRAL_DATA_DIR
  sed -e "s/^role = \"till\"/role = \"$ROLE\"/" -e "s|^data_dir = \"$DATA_DIR\"|data_dir = \"$data_dir\"|" \
    "$template" >"$target.tmp"
  chmod 640 "$target.tmp"
  on_host && chown "root:$SERVICE_USER" "$target.tmp"
  mv "$target.tmp" "$target"
}

write_central_env() {
  local target
  target=$(at "$CONF_DIR/central.env")
  cat >"$target" <<EOF
# Environment of kiosk-central.service (KEY=value lines), written once by install.sh and kept on upgrade.
# \`kiosk doctor\` and \`kiosk status\` read it too. After a change: sudo systemctl restart kiosk-central
#
# Where the server keeps its SQLite database and its phone-card signing key. The unit may write only there
# (its StateDirectory): keep it below $CENTRAL_DATA_DIR.
CENTRAL_DATA_DIR=$CENTRAL_DATA_DIR
# Listen address and port. Behind a reverse proxy (HTTPS) keep 127.0.0.1.
CENTRAL_HOST=127.0.0.1
CENTRAL_PORT=8700
CENTRAL_THREADS=8
# Empty: SQLite in CENTRAL_DATA_DIR. For several central instances, one PostgreSQL database:
#CENTRAL_DATABASE_URL=postgresql+psycopg://central@db.example/loyalty
# The back-office admin API's token (generated here; empty turns that API off).
CENTRAL_ADMIN_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
EOF
  chmod 640 "$target"
  if on_host; then chown "root:$SERVICE_USER" "$target"; fi
}

display_env() {
  cat <<EOF
# Written by install.sh (role $ROLE) on every install: the page kiosk-display.service shows.
KIOSK_URL=http://127.0.0.1:$(web_port)/$ROLE
KIOSK_BROWSER=$(browser_path)
EOF
}

# --------------------------------------------------------------------------------------------- units

role_units() {
  if device_role; then
    echo kiosk.service
    echo kiosk-display.service
  else
    echo kiosk-central.service
  fi
}

install_units() {
  local unit
  for unit in $(role_units); do
    if ! install_file "$SOURCE_DIR/systemd/$unit" "$(at "$UNIT_DIR/$unit")" 644; then
      UNITS_CHANGED=1
      mark_changed "$unit"
    fi
  done
  if device_role; then
    install_file "$SOURCE_DIR/systemd/kiosk-display.pam" "$(at /etc/pam.d/kiosk-display)" 644 || DISPLAY_CHANGED=1
  fi
  if systemd_running && ((UNITS_CHANGED)) && ((!DRY_RUN)); then
    act "reload systemd" systemctl daemon-reload
    DAEMON_RELOADED=1
  fi
  for unit in $(role_units); do
    enable_unit "$unit"
  done
}

mark_changed() {
  case $1 in
    kiosk-display.service) DISPLAY_CHANGED=1 ;;
    *) SERVICE_CHANGED=1 ;;
  esac
}

enable_unit() {
  local unit=$1 link
  if systemd_running; then
    systemctl is-enabled --quiet "$unit" 2>/dev/null || act "enable $unit" systemctl enable --quiet "$unit"
  else
    link=$(at "$UNIT_DIR/multi-user.target.wants/$unit")
    [[ -L $link ]] || act "enable $unit" enable_by_link "$unit" "$link"
  fi
}

enable_by_link() {
  make_link "$UNIT_DIR/$1" "$2"
}

make_link() {
  mkdir -p "$(dirname "$2")"
  ln -sfn "$1" "$2"
}

# Keep a copy of this script and what it installs from, so that `sudo /opt/kiosk/install.sh` works later.
install_self() {
  ensure_dir "$APP_DIR" 755
  [[ $SOURCE_DIR == "$(at "$APP_DIR")" ]] && return 0
  install_file "$SOURCE_DIR/install.sh" "$(at "$APP_DIR/install.sh")" 755 || true
  install_file "$SOURCE_DIR/config/kiosk.example.toml" "$(at "$APP_DIR/config/kiosk.example.toml")" 644 || true
  local unit
  for unit in kiosk.service kiosk-display.service kiosk-central.service kiosk-display.pam kiosk-firstboot.service; do
    install_file "$SOURCE_DIR/systemd/$unit" "$(at "$APP_DIR/systemd/$unit")" 644 || true
  done
}

# Restart a unit only when what it runs changed; start it when it is not running. Nothing else: a re-run
# must not blank the screen in front of the cashier.
start_units() {
  systemd_running || return 0
  ((DRY_RUN || NO_START)) && return 0
  if ((REBOOT_NEEDED)); then
    say "restart the Pi to turn on SPI and the serial port: sudo reboot (the kiosk starts by itself then)"
    return 0
  fi
  local unit changed
  for unit in $(role_units); do
    changed=$SERVICE_CHANGED
    [[ $unit == kiosk-display.service ]] && changed=$DISPLAY_CHANGED
    if ((changed)); then
      act "restart $unit (what it runs changed)" systemctl restart "$unit"
    elif ! systemctl is-active --quiet "$unit"; then
      act "start $unit" systemctl start "$unit"
    fi
  done
}

# --------------------------------------------------------------------------------------------- steps

install_all() {
  say "installing the loyalty kiosk, role $ROLE, into $ROOT$( ((DRY_RUN)) && echo ' (dry run)')"
  local model
  model=$(pi_model)
  [[ -n $model ]] && say "board: $model"
  install_packages
  device_role && configure_boot
  create_users
  if device_role; then
    ensure_dir "$DATA_DIR" 700 "$SERVICE_USER:$SERVICE_USER"
  else
    ensure_dir "$CENTRAL_DATA_DIR" 700 "$SERVICE_USER:$SERVICE_USER"
  fi
  install_self
  install_config
  install_venv
  install_units
  start_units
}

# Events in the outbox journal (device/store/journal.py: "CRC JSON" lines) that no ack line has acknowledged.
unsent_events() {
  python3 - "$1" <<'PY'
import json, sys
events, acked = set(), set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        record = json.loads(line.split(" ", 1)[1])
    except (IndexError, ValueError):
        continue
    if isinstance(record.get("event"), dict):
        events.add(record["event"].get("event_id"))
    elif isinstance(record.get("ack"), list):
        acked.update(record["ack"])
print(len(events - acked))
PY
}

# What --purge would destroy that exists nowhere else, one line each (nothing: empty).
irreplaceable_data() {
  local outbox central_dir
  outbox=$(at "$DATA_DIR/store/outbox.jsonl")
  if [[ -s $outbox ]]; then
    local unsent
    unsent=$(unsent_events "$outbox")
    ((unsent > 0)) && echo "$DATA_DIR: $unsent sales and other events not yet sent to central (save them first:" \
      "sudo kiosk backup FILE)"
  fi
  central_dir=$(at "$CENTRAL_DATA_DIR")
  [[ -e $central_dir/central.db ]] && echo "$CENTRAL_DATA_DIR/central.db: the central database (SQLite)"
  [[ -e $central_dir/phonecard-ed25519.pem ]] && echo "$CENTRAL_DATA_DIR/phonecard-ed25519.pem: the key that" \
    "signs phone cards (without it every phone card already issued stops working)"
  return 0
}

uninstall_all() {
  if ((PURGE && !FORCE)); then
    local kept
    kept=$(irreplaceable_data)
    if [[ -n $kept ]]; then
      printf 'install.sh: --purge refused, nothing was removed: it would delete what exists nowhere else:\n' >&2
      printf '  %s\n' "$kept" >&2
      die "save it first, then run again with --uninstall --purge --force"
    fi
  fi
  say "removing the loyalty kiosk from $ROOT$( ((DRY_RUN)) && echo ' (dry run)')"
  local unit
  for unit in kiosk-display.service kiosk.service kiosk-central.service kiosk-firstboot.service; do
    [[ -e $(at "$UNIT_DIR/$unit") ]] || continue
    if systemd_running; then
      act "stop and disable $unit" systemctl disable --now --quiet "$unit"
      UNITS_CHANGED=1
    fi
    remove_path "$UNIT_DIR/multi-user.target.wants/$unit"
    remove_path "$UNIT_DIR/$unit"
  done
  remove_path /etc/pam.d/kiosk-display
  remove_path "$CONF_DIR/display.env"
  remove_path "$CONF_DIR/firstboot.env"
  [[ $(readlink "$(at "$PATH_LINK")" 2>/dev/null) == "$APP_DIR/venv/bin/kiosk" ]] && remove_path "$PATH_LINK"
  remove_path "$APP_DIR"
  if systemd_running && ((CHANGES)) && ((!DRY_RUN)); then
    act "reload systemd" systemctl daemon-reload
    DAEMON_RELOADED=1
  fi
  if ((!PURGE)); then
    say "kept: $CONF_DIR (configuration), $DATA_DIR and $CENTRAL_DATA_DIR (data) and the users; add --purge to" \
      "remove them too"
    return 0
  fi
  remove_path "$CONF_DIR"
  remove_path "$DATA_DIR"
  remove_path "$CENTRAL_DATA_DIR"
  remove_path "/var/lib/$DISPLAY_USER"
  local user
  for user in "$DISPLAY_USER" "$SERVICE_USER"; do
    user_exists "$user" || continue
    if on_host; then
      act "remove user $user" userdel "$user"
    else
      act "remove user $user" file_remove_entry "$user" "$(db_file passwd)"
    fi
    if group_exists "$user"; then
      if on_host; then
        act "remove group $user" groupdel "$user"
      else
        act "remove group $user" file_remove_entry "$user" "$(db_file group)"
      fi
    fi
  done
}

main() {
  parse_args "$@"
  if ((UNINSTALL)); then
    uninstall_all
  else
    install_all
  fi
  if ((CHANGES == 0)); then
    say "nothing to do: already up to date"
  elif ((DRY_RUN)); then
    say "dry run: $CHANGES change(s) would be made, none was"
  else
    say "done: $CHANGES change(s)"
  fi
}

main "$@"
