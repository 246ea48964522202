#pragma once

#include "ops/diff/diff_array.h"
#include "tree/dtype.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ckpt {

__extension__ typedef __int128 CompareInt; ///< the integer compare domain (exact for every int64/uint64 pair)

/// Elements per block. Blocks start at flat indices that are multiples of it, whatever ranges the
/// elements arrive in. Within a block, element i adds its squares to lane i % kCompareLanes; a
/// finished block folds its lanes in one fixed order and adds the result to the running sums. The
/// numbers therefore depend only on the values, not on piece sizes, thread splits or which loop
/// (vector or scalar) compared them.
inline constexpr uint64_t kCompareBlock = 1u << 15;
inline constexpr unsigned kCompareLanes = 4;
using CompareLanes = std::array<double, kCompareLanes>;

/// Running numbers of one comparison; sums of squares become norms in finish().
struct CompareAccumulator {
    ArrayDiff d;
    double sa = 0, sb = 0, sd = 0; ///< sums of squares of A, B and the differences, finished blocks
    CompareLanes la{}, lb{}, ld{}; ///< the same for the block in progress, lane by lane
    /// When set, each finished block's sums are appended here instead of being added (see mergeLater).
    std::vector<std::array<double, 3>> *blockSums = nullptr;

    /// Folds the lanes of the block in progress into the sums (at a block boundary) and clears them.
    void closeBlock();
    /// Adds the numbers of the range that follows this one, which starts at a block boundary and
    /// was compared from zero with blockSums recorded: the result is what comparing both ranges in
    /// one pass gives, bit for bit.
    void mergeLater(const CompareAccumulator &later);
    ArrayDiff finish() const;
};

/// Compares element pairs held as canonical bytes of dtypes ta and tb (NumPy isclose semantics of
/// ArrayCompareOptions, in the pair's CompareDomain) in blocks of a fixed size, so sums are added
/// in the same order however the elements arrive. Equal little-endian dtypes of the common kinds
/// are read in place; other pairs are converted block by block. One instance per thread.
class BlockComparer {
public:
    BlockComparer(DType ta, DType tb, const ArrayCompareOptions &o);
    ~BlockComparer();
    BlockComparer(const BlockComparer &) = delete;
    BlockComparer &operator=(const BlockComparer &) = delete;

    /// Adds pairs (pa[i], pb[i]) for i < n, with flat indices base + i, to `acc`, which holds the
    /// elements before base (calls must come in index order).
    void compare(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, CompareAccumulator &acc);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace ckpt
