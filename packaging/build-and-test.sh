#!/usr/bin/env bash
# The one command that builds and tests Checkpoint Studio from a fresh Debian 12 checkout, and
# exactly what CI runs (.ci/run). Stages, in order, each printing a header and its wall time:
#
#   deps    packaging/install-deps.sh (apt packages when missing, the interop venv)
#   format  packaging/check-format.sh: clang-format-14 over every tracked .cpp/.h
#   build   configure and build with the `ci` preset (RelWithDebInfo, warnings are errors)
#   test    CTest with the `ci` preset: unit, CLI, GUI offscreen, fuzz seed replays, interop
#   tidy    packaging/check-tidy.sh build-ci: clang-tidy-14 on the lines changed since
#           $CKPT_TIDY_BASE (default HEAD~1; skipped with a message in a shallow clone)
#   asan    the Qt-free suite (core, CLI, fuzz seed replays) under ASan + UBSan with clang-14:
#           preset asan-core, in build-asan-core
#   deb     packaging/check-deb.sh build-ci: cpack, lintian, apt install, run, apt remove
#
# A failing stage does not stop the later ones (except deps, which all need, and build, which
# test, tidy and deb need); the summary at the end lists every stage's result and time and the
# CTest result lines, and the exit status is 1 when any stage failed. Extra arguments go to the
# test stage's ctest, e.g.
#   packaging/build-and-test.sh -R interop/
# Environment: JOBS (parallel compile jobs, default 2), CKPT_PRESET (default ci; the tidy and deb
# stages need ci), CKPT_STAGES (the stages to run, default "deps format build test tidy asan deb"),
# CKPT_TIDY_BASE and CKPT_TIDY_BUDGET (see packaging/check-tidy.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="${JOBS:-2}"
preset="${CKPT_PRESET:-ci}"
stages="${CKPT_STAGES:-deps format build test tidy asan deb}"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

summary=()
failed=()
start_all=$(date +%s)

# run_stage NAME FUNCTION: runs FUNCTION (in a subshell, so `set -e` holds inside it) between a
# header and a footer with its wall time; records the result for the summary.
run_stage() {
    local name="$1" fn="$2" t rc
    if [[ " $stages " != *" $name "* ]]; then
        return 0
    fi
    echo
    echo "======================================================================"
    echo "==== stage $name ($(date -u +%H:%M:%S) UTC)"
    echo "======================================================================"
    t=$(date +%s)
    set +e
    (
        set -euo pipefail
        "$fn"
    )
    rc=$?
    set -e
    t=$(($(date +%s) - t))
    local result="ok"
    ((rc == 0)) || result="FAILED (exit $rc)"
    echo "---- stage $name: $result, $((t / 60)) min $((t % 60)) s"
    summary+=("$(printf '%-7s %-18s %4d min %2d s' "$name" "$result" $((t / 60)) $((t % 60)))")
    if ((rc != 0)); then
        failed+=("$name")
    fi
    return 0
}
# needs NAME...: true when none of the named stages failed.
needs() {
    local s f
    for s in "$@"; do
        for f in "${failed[@]+"${failed[@]}"}"; do
            if [[ "$f" == "$s" ]]; then
                echo "(skipped: stage $s failed)"
                return 1
            fi
        done
    done
}

stage_deps() {
    packaging/install-deps.sh
}
stage_format() {
    packaging/check-format.sh
}
stage_build() {
    cmake --preset "$preset"
    cmake --build --preset "$preset" -j "$jobs"
}
stage_test() {
    # The interop tests find the venv through this variable (tests/interop/run_interop.py).
    CKPT_INTEROP_PYTHON="$(packaging/install-deps.sh --print-venv-python)"
    export CKPT_INTEROP_PYTHON
    ctest --preset "$preset" -j "$jobs" "${ctest_args[@]+"${ctest_args[@]}"}" 2>&1 | tee "$logs/ctest-ci.log"
}
stage_tidy() {
    if [[ "$preset" != ci ]]; then
        echo "(skipped: the tidy stage reads build-ci; CKPT_PRESET=$preset)"
        return 0
    fi
    packaging/check-tidy.sh build-ci
}
stage_asan() {
    cmake --preset asan-core
    cmake --build --preset asan-core -j "$jobs"
    ctest --preset asan-core -j "$jobs" 2>&1 | tee "$logs/ctest-asan.log"
}
stage_deb() {
    if [[ "$preset" != ci ]]; then
        echo "(skipped: the .deb is made from build-ci; CKPT_PRESET=$preset)"
        return 0
    fi
    packaging/check-deb.sh build-ci
}

ctest_args=("$@")
run_stage deps stage_deps
if needs deps; then
    run_stage format stage_format
    run_stage build stage_build
    # The tests, tidy (compile_commands.json, generated headers) and the package need the whole
    # build; the ASan suite builds on its own.
    if needs build; then
        run_stage test stage_test
        run_stage tidy stage_tidy
    fi
    run_stage asan stage_asan
    if needs build; then
        run_stage deb stage_deb
    fi
fi

total=$(($(date +%s) - start_all))
echo
echo "======================================================================"
echo "==== summary ($((total / 60)) min $((total % 60)) s in all)"
printf '  %s\n' "${summary[@]}"
for log in ci asan; do
    if [[ -f "$logs/ctest-$log.log" ]]; then
        echo "  $log: $(grep -E 'tests passed|tests failed' "$logs/ctest-$log.log" | tail -n 1)"
    fi
done
echo "======================================================================"
if ((${#failed[@]} > 0)); then
    echo "build-and-test.sh: FAILED stages: ${failed[*]}" >&2
    exit 1
fi
