#pragma once

#include "ops/diff/diff.h"
#include "ops/diff/diff_run.h"

#include <nlohmann/json.hpp>

namespace ckpt {

/// One pair as in `ckpt diff --json` "pairs": path, status, a/b sides, and for compared values
/// count, differing, fraction, max_abs_diff (+ max_abs_index as N-d list), max_rel_diff
/// (+ index; null when no b != 0), norm_a, norm_b, norm_diff, compare_dtype, promoted.
/// Non-finite numbers are written as null.
nlohmann::json diffEntryJson(const DiffEntry &e);

/// `{"pairs": N, "same": .., "added": .., ..., "identical": bool, "elements_compared", "bytes_read"}`.
nlohmann::json diffSummaryJson(const DiffSummary &s);

/// "pairs" (every pair, or only the differing ones) and "summary" of a diff.
nlohmann::json diffResultJson(const DiffResult &r, bool onlyDifferences);

/// The run view: steps, leaves with one cell per transition (state, rel_update, norm_a,
/// norm_diff, max_abs).
nlohmann::json runDiffJson(const RunDiff &run);

} // namespace ckpt
