#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ckpt {

/// How a block of plane cells becomes one pixel when a plane has more cells than the plot has pixels.
enum class Pooling {
    Mean, ///< average of the finite values of the block
    MaxAbs, ///< the value of largest magnitude, sign kept, so that single outliers stay visible
};

/// Reduces a rows x cols row-major grid to outRows x outCols (clamped to [1, rows] x [1, cols]).
/// Output cell (i, j) covers input rows [i * rows / outRows, (i + 1) * rows / outRows) and the same
/// for columns, so every input cell lands in exactly one output cell. NaN is skipped (a block of
/// NaN only yields NaN); Mean also skips infinities, yielding one only for a block without finite
/// values. Pure; `values.size()` must be rows * cols (else an empty result).
std::vector<double> poolGrid(
    std::span<const double> values, uint64_t rows, uint64_t cols, uint64_t outRows, uint64_t outCols, Pooling mode);

} // namespace ckpt
