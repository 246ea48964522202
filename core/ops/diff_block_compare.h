#pragma once

#include "ops/diff_array.h"
#include "tree/dtype.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ckpt {

__extension__ typedef __int128 CompareInt; ///< the integer compare domain (exact for every int64/uint64 pair)

/// Elements compared per block: each block's sums of squares are formed from zero and then added
/// to the running sums, so a range split at multiples of it gives the very same numbers.
inline constexpr uint64_t kCompareBlock = 1u << 15;

/// Running numbers of one comparison; sums of squares become norms in finish().
struct CompareAccumulator {
    ArrayDiff d;
    double sa = 0, sb = 0, sd = 0; ///< sums of squares of A, B and the differences
    /// When set, each block's sums are appended here instead of being added (see mergeLater).
    std::vector<std::array<double, 3>> *blockSums = nullptr;

    void addSums(double qa, double qb, double qd)
    {
        if (blockSums) {
            blockSums->push_back({qa, qb, qd});
            return;
        }
        sa += qa;
        sb += qb;
        sd += qd;
    }
    /// Adds the numbers of the range that follows this one, compared from zero with blockSums
    /// recorded: the result is what comparing both ranges in one pass gives, bit for bit.
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

    /// Adds pairs (pa[i], pb[i]) for i < n, with flat indices base + i, to `acc`.
    void compare(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, CompareAccumulator &acc);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace ckpt
