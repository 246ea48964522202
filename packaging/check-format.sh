#!/usr/bin/env bash
# Checks that every tracked C++ file (git ls-files '*.cpp' '*.h') is formatted as .clang-format
# says, with clang-format-14 (the version the tree is formatted with; others format differently).
# Prints each file that is not, and exits 1; changes nothing.
#   packaging/check-format.sh
# Environment: CLANG_FORMAT (default clang-format-14).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format="${CLANG_FORMAT:-clang-format-14}"
if ! command -v "$clang_format" >/dev/null; then
    echo "check-format.sh: $clang_format not found (packaging/install-deps.sh installs it)" >&2
    exit 2
fi

mapfile -t files < <(git ls-files '*.cpp' '*.h')
if ((${#files[@]} == 0)); then
    echo "check-format.sh: no tracked .cpp/.h files (not a git checkout?)" >&2
    exit 2
fi

# One clang-format per file, as many at a time as there are cores; the names of the files whose
# formatting would change come back on stdout.
mapfile -t bad < <(printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$(nproc)" sh -c \
    '[ ! -f "$2" ] || "$1" --dry-run --Werror "$2" >/dev/null 2>&1 || echo "$2"' sh "$clang_format" | sort)

if ((${#bad[@]} > 0)); then
    echo "check-format.sh: ${#bad[@]} of ${#files[@]} files are not formatted:" >&2
    printf '  %s\n' "${bad[@]}" >&2
    echo "fix: $clang_format -i ${bad[*]}" >&2
    exit 1
fi
echo "check-format.sh: all ${#files[@]} files formatted ($clang_format)"
