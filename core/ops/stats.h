#pragma once

#include "base/progress.h"
#include "tree/array_source.h"

#include <cstdint>
#include <vector>

namespace ckpt {

/// Summary statistics of an array's values. Complex arrays use the magnitude; bool counts as 0/1.
/// NaN and Inf are counted and excluded from min/max/mean/std.
struct ArrayStats {
    uint64_t count = 0; ///< elements
    uint64_t finite = 0; ///< elements that are neither NaN nor Inf
    uint64_t nanCount = 0;
    uint64_t infCount = 0;
    uint64_t zeroCount = 0;
    double min = 0, max = 0, mean = 0, std = 0; ///< over finite elements; 0 when there are none
};

/// Statistics of canonical bytes (C order, little-endian) holding `count` elements of `dtype`.
ArrayStats computeStats(DType dtype, const std::byte *data, uint64_t count);

/// Reads `source` in pieces and computes its statistics (bounded memory). Cancellable.
ArrayStats computeStats(const ArraySource &source, const Progress &progress = {});

/// Histogram with `bins` equal-width bins over [lo, hi] of the finite values; values outside are clamped.
std::vector<uint64_t> histogram(DType dtype, const std::byte *data, uint64_t count, double lo, double hi, int bins);

} // namespace ckpt
