#!/usr/bin/env bash
# Installs everything Checkpoint Studio needs to build and test on Debian 12 / Ubuntu 22.04+.
#
#   packaging/install-deps.sh                      apt packages + interop Python venv
#   packaging/install-deps.sh --no-python          apt packages only
#   packaging/install-deps.sh --print-venv-python  print the interop venv's python path and exit
#   packaging/install-deps.sh --print-venv-python era-a   the same for an older-Orbax venv
#
# Idempotent and fast when everything is present: apt is only called for packages dpkg does not
# list as installed, and the venv is keyed by the sha256 of tests/interop/requirements.lock, so a
# second run finds it complete and returns at once. Older-Orbax venvs (tests/interop/
# requirements-<era>.lock, for the era tests in tests/interop/older) are made the same way at
# ~/.cache/checkpoint-studio/venv-<era>-<lock sha>; a failure there only warns. Needs root (or sudo) only when an apt package
# is missing. When PyPI cannot be reached the venv is left absent, a warning is printed and the
# script still succeeds: the interop tests then report themselves as SKIPPED.
#
# Environment: CKPT_VENV (venv directory, default ~/.cache/checkpoint-studio/venv-<lock sha>),
#              CKPT_PYTHON (base interpreter for the venvs, default python3),
#              CKPT_OLDER_VENVS=0 (skip the older-Orbax venvs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
lock="$root/tests/interop/requirements.lock"

# The last line is what CI's checks use beyond the build: the format and tidy checks
# (packaging/check-format.sh, check-tidy.sh) and the .deb (packaging/check-deb.sh: CPack calls
# file and dpkg-shlibdeps, then lintian).
apt_packages=(
    qt6-base-dev libhdf5-dev nlohmann-json3-dev libmsgpack-cxx-dev libzstd-dev zlib1g-dev
    libblosc-dev ninja-build cmake g++ pkg-config clang-14 libclang-rt-14-dev clang-format-14
    xvfb xauth libgl1-mesa-dev python3 python3-venv ca-certificates
    git clang-tidy-14 dpkg-dev file lintian
)

with_python=1
case "${1:-}" in
    --no-python) with_python=0 ;;
    --print-venv-python | "") ;;
    -h | --help)
        sed -n '2,21p' "$0"
        exit 0
        ;;
    *)
        echo "install-deps.sh: unknown option '$1' (see --help)" >&2
        exit 2
        ;;
esac

lock_sha() { sha256sum "${1:-$lock}" | cut -c1-16; }
venv_dir() { echo "${CKPT_VENV:-$HOME/.cache/checkpoint-studio/venv-$(lock_sha)}"; }
# older_venv_dir ERA: the venv of tests/interop/requirements-ERA.lock.
older_venv_dir() { echo "$HOME/.cache/checkpoint-studio/venv-$1-$(lock_sha "$root/tests/interop/requirements-$1.lock")"; }

if [[ "${1:-}" == --print-venv-python ]]; then
    if [[ -n "${2:-}" ]]; then
        echo "$(older_venv_dir "$2")/bin/python"
    else
        echo "$(venv_dir)/bin/python"
    fi
    exit 0
fi

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "install-deps.sh: need root or sudo to run: $*" >&2
        exit 1
    fi
}

install_apt_packages() {
    local missing=() p
    for p in "${apt_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        echo "install-deps.sh: all ${#apt_packages[@]} apt packages present"
        return
    fi
    echo "install-deps.sh: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

warn_loudly() {
    echo "" >&2
    echo "######################################################################" >&2
    echo "# WARNING: $1" >&2
    echo "# The interop tests (tests/interop) will be reported as SKIPPED." >&2
    echo "######################################################################" >&2
    echo "" >&2
}

# install_venv [LOCK DIR IMPORTS]: the interop venv, or the venv DIR of LOCK whose python must
# import IMPORTS. Complete only when the marker exists; a half-made one is removed and rebuilt.
install_venv() {
    local lock="${1:-$lock}" dir="${2:-$(venv_dir)}"
    local imports="${3:-jax, flax, optax, orbax.checkpoint, tensorstore, ml_dtypes, h5py, zarr, msgpack, safetensors, huggingface_hub}"
    local python marker
    marker="$dir/.ckpt-venv-complete"
    mkdir -p "$(dirname "$dir")"
    # One installer per venv at a time: a second one waits, then finds it complete.
    exec 9>"$dir.lock"
    flock 9
    if [[ -f "$marker" && -x "$dir/bin/python" ]]; then
        exec 9>&-
        echo "install-deps.sh: interop venv present at $dir"
        return
    fi
    install_venv_locked "$lock" "$dir" "$imports"
    exec 9>&-
}

install_venv_locked() {
    local lock="$1" dir="$2" imports="$3" python marker="$2/.ckpt-venv-complete"
    python="${CKPT_PYTHON:-python3}"
    echo "install-deps.sh: creating interop venv at $dir from $(basename "$lock")"
    rm -rf "$dir"
    if ! "$python" -m venv "$dir"; then
        rm -rf "$dir"
        warn_loudly "'$python -m venv' failed; is python3-venv installed?"
        return
    fi
    if ! "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input \
        --require-virtualenv -r "$lock"; then
        rm -rf "$dir"
        warn_loudly "pip could not install $lock (PyPI unreachable?); no interop venv"
        return
    fi
    if ! "$dir/bin/python" -c "import $imports"; then
        rm -rf "$dir"
        warn_loudly "the interop venv was installed but its packages do not import"
        return
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
    echo "install-deps.sh: interop venv ready at $dir"
}

# The older-Orbax venvs (one per tests/interop/requirements-<era>.lock); never fatal.
install_older_venvs() {
    local era_lock era
    for era_lock in "$root"/tests/interop/requirements-*.lock; do
        [[ -f "$era_lock" ]] || continue
        era="$(basename "$era_lock" .lock)"
        era="${era#requirements-}"
        install_venv "$era_lock" "$(older_venv_dir "$era")" "jax, orbax.checkpoint, tensorstore, msgpack"
    done
}

install_apt_packages
if ((with_python)); then
    install_venv
    if [[ "${CKPT_OLDER_VENVS:-1}" != 0 ]]; then
        install_older_venvs
    fi
fi
