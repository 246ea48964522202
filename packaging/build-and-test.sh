#!/usr/bin/env bash
# The one command that builds and tests Checkpoint Studio from a fresh Debian 12 checkout:
# installs dependencies (packaging/install-deps.sh), then configures, builds and runs CTest with
# the `ci` preset (RelWithDebInfo, warnings as errors). Extra arguments go to ctest, e.g.
#   packaging/build-and-test.sh -R interop/
# Environment: JOBS (parallel compile jobs, default 2), CKPT_PRESET (default ci).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="${JOBS:-2}"
preset="${CKPT_PRESET:-ci}"

packaging/install-deps.sh
# The interop tests find the venv through this variable (tests/interop/run_interop.py).
CKPT_INTEROP_PYTHON="$(packaging/install-deps.sh --print-venv-python)"
export CKPT_INTEROP_PYTHON

cmake --preset "$preset"
cmake --build --preset "$preset" -j "$jobs"
ctest --preset "$preset" -j "$jobs" "$@"
