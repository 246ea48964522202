#pragma once

#include "base/progress.h"
#include "ops/diff/diff_array.h"
#include "ops/diff/diff_rename.h"
#include "tree/node.h"

#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// What happened to one aligned leaf between side A and side B. The names (statusName) are
/// part of the `ckpt diff --json` contract: never rename one.
enum class DiffStatus {
    Same, ///< equal within the tolerance
    Added, ///< only in B
    Removed, ///< only in A
    KindChanged, ///< e.g. array in A, scalar in B
    DtypeChanged, ///< same kind and shape, different dtype (values still compared after promotion)
    ShapeChanged, ///< arrays of different shapes (values not compared)
    ValuesChanged, ///< same kind, dtype and shape; some values not close
};

/// How many DiffStatus values there are: DiffStatus(0) .. DiffStatus(kDiffStatusCount - 1).
inline constexpr int kDiffStatusCount = int(DiffStatus::ValuesChanged) + 1;
static_assert(kDiffStatusCount == 7, "a new DiffStatus must come last, then update kDiffStatusCount");

/// "same", "added", "removed", "kind_changed", "dtype_changed", "shape_changed", "values_changed".
std::string_view statusName(DiffStatus s);

/// Description of one side of a pair.
struct DiffSide {
    std::string path; ///< `a/b/c` as in its own tree
    std::string kind; ///< Node::kindName()
    std::string dtype; ///< array dtype or scalar type ("int", "float", ...); empty otherwise
    std::vector<uint64_t> shape; ///< arrays only
    std::string value; ///< short text of a scalar, string, bytes (size) or None; empty for arrays
};

/// One aligned pair of leaves.
struct DiffEntry {
    std::string path; ///< aligned path: B's path, or A's path after renaming when B lacks it
    DiffStatus status = DiffStatus::Same;
    std::optional<DiffSide> a, b; ///< absent for added / removed
    bool renamed = false; ///< a rename rule mapped A's path
    /// Values were compared (arrays of equal shape; scalars; strings; bytes).
    bool compared = false;
    bool valuesEqual = true; ///< when compared: every element close
    bool promoted = false; ///< dtypes differ: compared in compareType
    std::string compareType; ///< dtype the numbers were computed in
    ArrayDiff numbers; ///< arrays and numeric scalars (count 1)
    bool numeric = false; ///< numbers are meaningful (not strings/bytes/None)
};

/// Totals of a diff.
struct DiffSummary {
    uint64_t pairs = 0;
    uint64_t counts[kDiffStatusCount] = {}; ///< per DiffStatus, indexed by int(status)
    uint64_t elementsCompared = 0;
    uint64_t bytesRead = 0; ///< array bytes decoded, both sides
    /// Chunk pairs with identical stored bytes on both sides, decoded once (ArrayDiff::chunksShortCut).
    uint64_t chunksShortCut = 0;
    bool identical() const { return counts[int(DiffStatus::Same)] == pairs; }
};

struct DiffOptions {
    std::vector<RenameRule> renames; ///< applied to A's paths; see diff_rename.h
    ArrayCompareOptions compare;
    unsigned threads = 0; ///< 0: std::thread::hardware_concurrency()
    /// Arrays larger than this are split into ranges compared on several threads.
    uint64_t taskBytes = 64u << 20;
    /// Fewer threads run when each would hold more than memoryBudget / threads in pieces
    /// (2 sides x piece x 2 for decode copies); at least one always runs.
    uint64_t memoryBudget = 192u << 20;
};

struct DiffResult {
    /// A's leaves in A's order (with B-only leaves after, in B's order).
    std::vector<DiffEntry> entries;
    DiffSummary summary;
};

/// Aligns the leaves of two trees by path (after renaming A's) and compares every pair.
/// Arrays are read in pieces (memory about threads * 2 * pieceBytes), in parallel across
/// leaves and ranges. Progress reports array bytes done / total (both sides). Throws
/// Exception{InvalidArgument} when two A paths rename to one, Cancelled, or a read error with
/// the leaf's key path.
DiffResult diffTrees(const NodePtr &a, const NodePtr &b, const DiffOptions &options, const Progress &progress = {});

/// Entries sorted for display: differences first (by status), biggest maxAbs first, then path.
std::vector<const DiffEntry *> sortedForDisplay(const DiffResult &r);

} // namespace ckpt
