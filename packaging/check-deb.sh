#!/usr/bin/env bash
# Builds the .deb from a finished build (CPack), checks it with lintian (errors fail; warnings
# are shown), installs it with apt, runs the installed ckpt and checkpoint-studio (offscreen
# screenshot) on the installed demo, removes it again and checks that the programs are gone.
#
#   packaging/check-deb.sh BUILD_DIR       e.g. build-ci; configured with CMAKE_INSTALL_PREFIX=/usr
#                                          (the ci preset is) and the GUI on
# The package is left in BUILD_DIR/deb/. Installing and removing need root (or sudo). A package
# of the same name installed before is removed first, so the check installs exactly this one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if (($# != 1)); then
    echo "usage: packaging/check-deb.sh BUILD_DIR" >&2
    exit 2
fi
build_dir="$(cd "$1" && pwd)"
pkg=checkpoint-studio
demo=/usr/share/checkpoint-studio/demo

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "check-deb.sh: need root or sudo to run: $*" >&2
        exit 1
    fi
}
apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"; }
fail() {
    echo "check-deb.sh: FAILED: $*" >&2
    exit 1
}
t0=$(date +%s)
step() { echo "check-deb.sh: [$(($(date +%s) - t0))s] $*"; }

prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build_dir/CMakeCache.txt")"
[[ "$prefix" == /usr ]] || fail "$build_dir is configured with CMAKE_INSTALL_PREFIX=$prefix, not /usr"
grep -q '^CKPT_BUILD_GUI:BOOL=ON' "$build_dir/CMakeCache.txt" || fail "$build_dir is built without the GUI"

step "cpack in $build_dir"
out="$build_dir/deb"
rm -rf "$out"
(cd "$build_dir" && cpack -G DEB -B "$out") >"$build_dir/cpack.log" 2>&1 || {
    cat "$build_dir/cpack.log" >&2
    fail "cpack"
}
debs=("$out"/${pkg}_*.deb)
[[ -f "${debs[0]}" ]] || fail "cpack made no $out/${pkg}_*.deb"
deb="${debs[0]}"
dpkg-deb --field "$deb" Package Version Architecture Installed-Size Depends
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}' | grep -E 'usr/(bin|share/(man|doc))/' || true

step "lintian $(basename "$deb")"
# Errors fail the check (and so CI); warnings and info are listed. Overrides, each with its
# reason, are in packaging/debian/checkpoint-studio.lintian-overrides (installed in the package).
lintian --fail-on error --display-info --tag-display-limit 0 "$deb" || fail "lintian reports errors (above)"
echo "check-deb.sh: lintian: no errors"

if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
    step "removing the $pkg installed before"
    apt_get remove -y "$pkg"
fi
installed=0
cleanup() { if ((installed)); then apt_get remove -y "$pkg" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

step "apt-get install $deb"
apt_get install -y --no-install-recommends "$deb"
installed=1
for f in /usr/bin/ckpt /usr/bin/checkpoint-studio; do
    [[ -x "$f" ]] || fail "$f not installed"
    if ldd "$f" | grep -q 'not found'; then
        ldd "$f" >&2
        fail "$f has unresolved libraries (Depends incomplete?)"
    fi
done
[[ -d "$demo/run" ]] || fail "no demo run at $demo/run"

# Away from the source tree, with a scratch HOME (no settings, no recent files of the user).
scratch="$(mktemp -d)"
trap 'cleanup; rm -rf "$scratch"' EXIT
cd "$scratch"

step "installed ckpt on the installed demo"
HOME="$scratch" /usr/bin/ckpt info "$demo/run" || fail "ckpt info $demo/run"
HOME="$scratch" /usr/bin/ckpt info "$demo/flax_state.msgpack" || fail "ckpt info $demo/flax_state.msgpack"
HOME="$scratch" /usr/bin/ckpt steps "$demo/run" || fail "ckpt steps $demo/run"

step "installed checkpoint-studio --screenshot (offscreen) on the installed demo"
png="$scratch/screenshot.png"
HOME="$scratch" XDG_RUNTIME_DIR="$scratch" QT_QPA_PLATFORM=offscreen \
    timeout 120 /usr/bin/checkpoint-studio "$demo/run" --screenshot "$png" ||
    fail "checkpoint-studio --screenshot"
python3 - "$png" <<'EOF' || fail "the screenshot is not a plausible picture of the window"
import os, struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
    sys.exit(f"{path}: not a PNG")
width, height = struct.unpack(">II", data[16:24])
print(f"check-deb.sh: screenshot {width}x{height}, {len(data)} bytes")
if len(data) <= 10_000 or width < 400 or height < 300:
    sys.exit(f"{path}: too small ({width}x{height}, {len(data)} bytes) for a window showing a checkpoint")
EOF
if [[ -n "${CKPT_SCREENSHOT_OUT:-}" ]]; then
    cp "$png" "$CKPT_SCREENSHOT_OUT"
fi

step "apt-get remove $pkg"
apt_get remove -y "$pkg"
installed=0
for f in /usr/bin/ckpt /usr/bin/checkpoint-studio "$demo"; do
    [[ ! -e "$f" ]] || fail "$f is still there after apt-get remove"
done
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
    fail "dpkg still lists $pkg as installed"
fi
step "done: $(basename "$deb") builds, lints without errors, installs, runs and removes cleanly"
