#pragma once

#include "tree/array_source.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace ckpt {

/// Which 2-D plane of an N-d array is shown: the dimension along rows, the one along columns
/// (-1 when the array has fewer dimensions) and a fixed index for every other dimension.
struct PlaneSpec {
    int rowDim = -1;
    int colDim = -1;
    std::vector<uint64_t> fixed; ///< one entry per dimension; entries of rowDim/colDim are ignored

    /// Default plane of an array: the last two dimensions longer than 1 (else the last two), a
    /// column vector for rank 1, one cell for rank 0; every fixed index 0.
    static PlaneSpec defaultFor(const std::vector<uint64_t> &shape);
    /// True when the dims are distinct and in range and every fixed index lies inside the shape.
    bool isValidFor(const std::vector<uint64_t> &shape) const;
    uint64_t rows(const std::vector<uint64_t> &shape) const { return rowDim >= 0 ? shape[size_t(rowDim)] : 1; }
    uint64_t cols(const std::vector<uint64_t> &shape) const { return colDim >= 0 ? shape[size_t(colDim)] : 1; }
    /// The box covering rows [r0, r0+nr) and columns [c0, c0+nc) of the plane.
    Slab slab(const std::vector<uint64_t> &shape, uint64_t r0, uint64_t nr, uint64_t c0, uint64_t nc) const;
    /// Position of plane cell (r, c) inside a slab of nr x nc cells read with slab(): C order keeps
    /// the lower-numbered dimension outermost, so a transposed view (rowDim > colDim) swaps strides.
    uint64_t offsetInSlab(uint64_t r, uint64_t c, uint64_t nr, uint64_t nc) const
    {
        return (colDim < 0 || rowDim < colDim) ? r * nc + c : c * nr + r;
    }
    /// Full N-d index of plane cell (row, col).
    std::vector<uint64_t> indexOf(uint64_t row, uint64_t col) const;

    bool operator==(const PlaneSpec &o) const = default;
};

/// Cells of a plane as doubles (complex: magnitude), row-major, for painting and histograms:
/// window cell (r, c) is plane cell (row0 + r * rowStep, col0 + c * colStep).
struct PlaneWindow {
    uint64_t row0 = 0, col0 = 0; ///< plane cell of window cell (0, 0)
    uint64_t rows = 0, cols = 0; ///< size of the window
    uint64_t planeRows = 0, planeCols = 0;
    uint64_t rowStep = 1, colStep = 1; ///< > 1 when the plane was sampled every k-th row/column
    std::vector<double> values; ///< rows * cols values, row-major
    bool isSigned = false; ///< the dtype can hold negative values
    /// The window misses rows or columns of the plane that sampling with these steps would keep.
    bool truncated() const
    {
        return row0 > 0 || col0 > 0 || rows < (planeRows + rowStep - 1) / rowStep
            || cols < (planeCols + colStep - 1) / colStep;
    }
    bool sampled() const { return rowStep > 1 || colStep > 1; }
    /// Window cell holding plane cell (row, col); nullopt when sampling skipped it or it lies outside.
    std::optional<std::pair<uint64_t, uint64_t>> cellOf(uint64_t row, uint64_t col) const;
};

/// Reads at most maxRows x maxCols cells of the plane, starting at its top-left corner, with one
/// readSlab call. Throws Exception. Thread-safe (the source is).
PlaneWindow readPlaneWindow(const ArraySource &source, const PlaneSpec &spec, uint64_t maxRows, uint64_t maxCols,
    const Progress &progress = {});

/// Row and column steps that sample a planeRows x planePCols plane down to at most maxCells cells
/// (maxCells >= 1), keeping the two steps as equal as the shape allows: {1, 1} when it fits.
std::pair<uint64_t, uint64_t> planeSteps(uint64_t planeRows, uint64_t planeCols, uint64_t maxCells);

/// The whole plane, or every rowStep-th row and colStep-th column of it (planeSteps) when it has
/// more than maxCells cells. Reads bands of whole rows of at most bandBytes per readSlab call, so
/// memory stays near maxCells doubles plus one band, and checks `progress` for cancellation
/// between bands. Throws Exception (Cancelled when cancelled). Thread-safe (the source is).
PlaneWindow readPlaneSample(const ArraySource &source, const PlaneSpec &spec, uint64_t maxCells,
    const Progress &progress = {}, uint64_t bandBytes = 16ull << 20);

} // namespace ckpt
