#pragma once

#include "base/progress.h"
#include "ops/plane/array_plane.h"
#include "ops/stats.h"
#include "tree/array_source.h"

#include <cstdint>
#include <vector>

namespace ckpt {

/// What the GUI's statistics panel and histogram show for an array, and `ckpt stats --histogram`
/// prints: the statistics of every element and a histogram of equal-width bins over [lo, hi].
struct ArraySummary {
    ArrayStats stats;
    std::vector<uint64_t> counts; ///< `bins` counts of finite values (clamped into [lo, hi])
    double lo = 0, hi = 0; ///< hi > lo: a constant array gets the bin range [v, v + 1]
    bool wholeArray = true; ///< false: the histogram covers only a sampled plane of the array
};

/// How summarizeArray() trades exactness for memory.
struct SummaryPolicy {
    /// Arrays up to this many bytes (and not complex) get a histogram over every element, read in
    /// one piece; larger ones (and complex ones) over a sample of `plane`.
    uint64_t fullHistogramBytes = 64ull << 20;
    /// Most cells of the sampled plane (32 MiB of doubles); larger planes are sampled every k-th
    /// row and column (readPlaneSample).
    uint64_t planeMaxCells = 1ull << 22;
    int bins = 64;
};

/// Statistics of every element of `source` (bounded memory) plus a histogram chosen by `policy`:
/// over every element when the array is small enough, else over the sampled plane `plane` (which
/// must be valid for the array's shape). Complex values count by magnitude. Throws
/// ckpt::Exception (Cancelled when `progress` says so). Thread-safe (the source is).
ArraySummary summarizeArray(
    const ArraySource &source, const PlaneSpec &plane, const SummaryPolicy &policy = {}, const Progress &progress = {});

} // namespace ckpt
