#!/usr/bin/env bash
# Installs dependencies, builds the GUI (dev preset) and opens the bundled demo checkpoint:
#   packaging/run-demo.sh                 the CheckpointManager run (resources/demo/run)
#   packaging/run-demo.sh PATH            any checkpoint
# Runs under xvfb-run when there is no display (then it exits after CKPT_DEMO_SECONDS, default 10,
# and prints `ckpt tree` of the same checkpoint so the run shows something).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target="${1:-resources/demo/run}"
packaging/install-deps.sh --no-python
cmake --preset dev
cmake --build --preset dev -j "${JOBS:-2}" --target checkpoint-studio ckpt

build-dev/app/cli/ckpt info "$target" || true
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    exec build-dev/app/gui/checkpoint-studio "$target"
fi
echo "run-demo.sh: no display; running under xvfb-run for ${CKPT_DEMO_SECONDS:-10} s"
status=0
timeout "${CKPT_DEMO_SECONDS:-10}" xvfb-run -a build-dev/app/gui/checkpoint-studio "$target" || status=$?
# timeout's 124 means the GUI was still running happily when its time was up.
if [[ $status -ne 0 && $status -ne 124 ]]; then
    echo "run-demo.sh: checkpoint-studio exited with status $status" >&2
    exit "$status"
fi
build-dev/app/cli/ckpt tree "$target"
