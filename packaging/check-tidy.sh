#!/usr/bin/env bash
# clang-tidy-14 (with the repository's .clang-tidy) on what changed between a base and HEAD:
# every .cpp under core/, app/ and widgets/ that changed and is in BUILD_DIR's
# compile_commands.json is analysed, and only the findings on the lines that changed (in those
# .cpp files and in any changed header under the same folders) are reported, as clang-tidy-diff
# does. The tree as a whole is not clang-tidy clean; new code should be.
#
#   packaging/check-tidy.sh [BUILD_DIR [FILE...]]
#       BUILD_DIR: default build-ci; needs a finished build there (Qt's generated moc headers are
#       included). FILE...: only these of the changed .cpp files.
# Exit status: 0 no findings (or nothing to check, with the reason printed), 1 findings or a file
# clang-tidy could not compile, 2 usage error.
#
# Environment: CKPT_TIDY_BASE     the base commit (default HEAD~1; in a shallow clone or on a root
#                                 commit without it the check says what it skipped and passes)
#              CKPT_TIDY_BUDGET   seconds for the whole check (default 420); files not started
#                                 when it is spent are listed as skipped
#              CKPT_TIDY_FILE_TIMEOUT  seconds per file (default 180)
#              CKPT_TIDY_JOBS     files analysed at a time (default: the number of cores)
#              CLANG_TIDY         default clang-tidy-14
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

build_dir="${1:-build-ci}"
shift || true
only=("$@")
clang_tidy="${CLANG_TIDY:-clang-tidy-14}"
budget="${CKPT_TIDY_BUDGET:-420}"
file_timeout="${CKPT_TIDY_FILE_TIMEOUT:-180}"
jobs="${CKPT_TIDY_JOBS:-$(nproc)}"
folders=(core app widgets)

if ! command -v "$clang_tidy" >/dev/null; then
    echo "check-tidy.sh: $clang_tidy not found (packaging/install-deps.sh installs it)" >&2
    exit 2
fi
db="$build_dir/compile_commands.json"
if [[ ! -f "$db" ]]; then
    echo "check-tidy.sh: no $db (configure and build BUILD_DIR first)" >&2
    exit 2
fi

if [[ -n "${CKPT_TIDY_BASE:-}" ]]; then
    base="$CKPT_TIDY_BASE"
    if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
        echo "check-tidy.sh: SKIPPED: base '$base' (CKPT_TIDY_BASE) is not in this clone (shallow? fetch it first)"
        exit 0
    fi
elif git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
    base="HEAD~1"
elif [[ "$(git rev-parse --is-shallow-repository)" == true ]]; then
    echo "check-tidy.sh: SKIPPED: HEAD's parent is not in this shallow clone; set CKPT_TIDY_BASE to a fetched commit"
    exit 0
else
    echo "check-tidy.sh: SKIPPED: HEAD is a root commit (no parent to compare with); set CKPT_TIDY_BASE"
    exit 0
fi
echo "check-tidy.sh: changes $(git rev-parse --short "$base")..$(git rev-parse --short HEAD) ($base..HEAD)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The changed .cpp and .h files and their changed line ranges, as clang-tidy's --line-filter
# (absolute names: clang-tidy matches a name against the end of a diagnostic's path).
git diff -U0 -M --no-color --diff-filter=AMR "$base" HEAD -- "${folders[@]}" >"$work/diff"
python3 - "$root" "$db" "$work" "${only[@]+"${only[@]}"}" <<'EOF'
import json, os, re, sys
root, db, work = sys.argv[1:4]
only = {os.path.normpath(f) for f in sys.argv[4:]}
ranges, current = {}, None
for line in open(os.path.join(work, "diff"), encoding="utf-8", errors="replace"):
    if line.startswith("+++ "):
        name = line[4:].rstrip("\n")
        current = name[2:] if name.startswith("b/") and name.endswith((".cpp", ".h")) else None
        if current:
            ranges.setdefault(current, [])
    elif current and line.startswith("@@"):
        m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
        start, count = int(m.group(1)), int(m.group(2) or "1")
        if count:
            ranges[current].append([start, start + count - 1])
ranges = {f: r for f, r in ranges.items() if r}
compiled = {os.path.realpath(os.path.join(e["directory"], e["file"])) for e in json.load(open(db))}
sources = [f for f in sorted(ranges) if f.endswith(".cpp") and (not only or f in only)]
with open(os.path.join(work, "files"), "w") as out:
    for f in sources:
        if os.path.realpath(os.path.join(root, f)) in compiled:
            out.write(f + "\n")
with open(os.path.join(work, "not-compiled"), "w") as out:
    for f in sources:
        if os.path.realpath(os.path.join(root, f)) not in compiled:
            out.write(f + "\n")
json.dump([{"name": os.path.join(root, f), "lines": r} for f, r in sorted(ranges.items())],
          open(os.path.join(work, "line-filter.json"), "w"))
EOF
mapfile -t files <"$work/files"
mapfile -t not_compiled <"$work/not-compiled"
if ((${#not_compiled[@]} > 0)); then
    echo "check-tidy.sh: skipped (not in $db): ${not_compiled[*]}"
fi
if ((${#files[@]} == 0)); then
    echo "check-tidy.sh: no changed .cpp under core/ app/ widgets/ to check"
    exit 0
fi
echo "check-tidy.sh: ${#files[@]} changed .cpp files, $jobs at a time, budget ${budget}s"

# One clang-tidy per file; a file not started before the deadline is recorded as skipped.
deadline=$(($(date +%s) + budget))
export clang_tidy build_dir work deadline file_timeout
tidy_one() {
    local f="$1" out
    out="$work/out/${f//\//__}"
    mkdir -p "$work/out"
    if (($(date +%s) >= deadline)); then
        echo "$f" >>"$work/skipped"
        return 0
    fi
    local rc=0
    timeout "$file_timeout" "$clang_tidy" -p "$build_dir" --quiet \
        --line-filter="$(cat "$work/line-filter.json")" "$f" >"$out" 2>"$out.stderr" || rc=$?
    if ((rc == 124)); then
        echo "$f (timed out after ${file_timeout}s)" >>"$work/timed-out"
    elif ((rc != 0)); then
        echo "$f (clang-tidy exit $rc)" >>"$work/failed"
    fi
    return 0
}
export -f tidy_one
printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$jobs" bash -c 'tidy_one "$1"' bash

status=0
findings=0
for f in "${files[@]}"; do
    out="$work/out/${f//\//__}"
    [[ -f "$out" ]] || continue
    # Findings are "path:line:col: warning|error: ..." followed by the source line and caret.
    n=$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$out" || true)
    if ((n > 0)); then
        echo "---- $f: $n"
        cat "$out"
        findings=$((findings + n))
    fi
done
if [[ -f "$work/failed" ]]; then
    echo "check-tidy.sh: clang-tidy could not analyse:" >&2
    sed 's/^/  /' "$work/failed" >&2
    while read -r f _; do
        grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' "$work/out/${f//\//__}.stderr" |
            head -n 8 | sed "s|^|  $f: |" >&2 || true
    done <"$work/failed"
    status=1
fi
if [[ -f "$work/timed-out" ]]; then
    echo "check-tidy.sh: timed out (not checked):" && sed 's/^/  /' "$work/timed-out"
fi
if [[ -f "$work/skipped" ]]; then
    echo "check-tidy.sh: SKIPPED, budget of ${budget}s spent: $(wc -l <"$work/skipped") files:"
    sed 's/^/  /' "$work/skipped"
fi
if ((findings > 0)); then
    echo "check-tidy.sh: $findings findings on changed lines (see .clang-tidy for the checks;" \
        "fix them, or add NOLINT(check-name) with a reason where a finding is wrong)" >&2
    status=1
elif ((status == 0)); then
    unchecked=$(cat "$work/skipped" "$work/timed-out" 2>/dev/null | wc -l || true)
    echo "check-tidy.sh: no findings on the changed lines of the $((${#files[@]} - unchecked)) files checked"
fi
exit "$status"
