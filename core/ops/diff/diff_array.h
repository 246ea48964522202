#pragma once

#include "base/progress.h"
#include "tree/array_source.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// How two arrays' values are compared: NumPy `isclose` semantics, |a-b| <= atol + rtol*|b|
/// (asymmetric in a and b, like NumPy). Infinities are close only to the same infinity; NaN is
/// close to NaN only when `nanEqual`. atol = rtol = 0 means exact equality by value (so -0 == 0).
struct ArrayCompareOptions {
    double atol = 0;
    double rtol = 0;
    bool nanEqual = false;
    /// Bytes read per side and per step; memory per comparing thread is about twice this.
    uint64_t pieceBytes = 4u << 20;
    /// Threads that compare one large piece (2: its second half on a helper thread). The numbers
    /// do not depend on it. diffTrees raises it when fewer ranges than cores run at once.
    unsigned pieceThreads = 1;
};

/// The arithmetic two arrays are compared in. Same integer/bool classes compare exactly as
/// 128-bit integers; real values as double; anything complex as complex<double>.
enum class CompareDomain { Integer, Real, Complex };

/// Numbers of one array comparison. Differences are taken as a - b, in the compare domain.
/// Element pairs that compare equal (a == b, or both NaN with nanEqual) have difference 0.
struct ArrayDiff {
    uint64_t count = 0; ///< elements compared
    uint64_t differing = 0; ///< elements not close under the tolerance
    /// max |a-b| over pairs whose difference is not NaN (an infinite difference counts); 0 if none.
    double maxAbs = 0;
    uint64_t maxAbsIndex = 0; ///< flat C-order index of the first element reaching maxAbs
    /// max |a-b|/|b| over pairs with b != 0 and a non-NaN difference (NumPy's testing
    /// definition); hasMaxRel is false when there is no such pair.
    double maxRel = 0;
    uint64_t maxRelIndex = 0;
    bool hasMaxRel = false;
    /// sqrt(sum |x|^2) of A, B and of the differences. NaN/Inf propagate, as in numpy.linalg.norm.
    double normA = 0, normB = 0, normDiff = 0;
    bool sameStorage = false; ///< both sides are the same stored bytes: read once, compared with itself
    /// Chunks whose stored bytes were identical on both sides, so only one side was decoded, and
    /// the decoded bytes that saved (one side's share of those chunks).
    uint64_t chunksShortCut = 0;
    uint64_t bytesShortCut = 0;

    double fraction() const { return count ? double(differing) / double(count) : 0; }
    /// Adds the numbers of a later range of the same array (indices already absolute).
    void merge(const ArrayDiff &later);
};

/// Elements to read per side and step for a pair of arrays: about pieceBytes, rounded to whole
/// bands of storage chunks along the first dimension (chunkShape[0] rows) when such a band holds at
/// most kMaxBandBytes, so a chunk is decoded once rather than once per piece.
uint64_t pieceElements(const ArrayInfo &a, const ArrayInfo &b, uint64_t pieceBytes);
/// Largest chunk band pieceElements() aligns to; larger chunks are read piecewise (re-decoded).
inline constexpr uint64_t kMaxBandBytes = 64u << 20;

/// The compare domain for a pair of dtypes.
CompareDomain compareDomain(DType a, DType b);
/// Name of the promoted type a pair is compared in: the dtype itself when both are equal,
/// otherwise "int128", "float64" or "complex128".
std::string compareTypeName(DType a, DType b);

/// Compares elements [first, first + count) of two arrays with the same number of elements,
/// reading both in step in pieces of options.pieceBytes (memory bounded whatever the size).
/// Arrays on the same chunk grid with the same encoding (ChunkedStorage) are read chunk by chunk
/// where the range is band aligned, and a chunk with identical stored bytes on both sides is
/// decoded once (ArrayDiff::chunksShortCut); the numbers are the same either way.
/// Indices in the result are absolute. Cancellable; read errors propagate as Exception.
/// `buffers` (optional, one per thread) keeps piece and chunk buffers between calls so a run of
/// comparisons reuses memory that is already mapped; without it each call allocates its own.
class CompareBuffers;
ArrayDiff compareArrayRange(const ArraySource &a, const ArraySource &b, uint64_t first, uint64_t count,
    const ArrayCompareOptions &options, const Progress &progress = {}, CompareBuffers *buffers = nullptr);

/// Reusable buffers of compareArrayRange for one thread (about 2 pieces and 2 stored chunks).
class CompareBuffers {
public:
    CompareBuffers();
    ~CompareBuffers();
    CompareBuffers(const CompareBuffers &) = delete;
    CompareBuffers &operator=(const CompareBuffers &) = delete;
    struct Impl;
    Impl &impl() { return *m_impl; }

private:
    std::unique_ptr<Impl> m_impl;
};

/// Whole-array comparison (same element count required: throws Exception{Mismatch} otherwise).
ArrayDiff compareArrays(
    const ArraySource &a, const ArraySource &b, const ArrayCompareOptions &options, const Progress &progress = {});

/// Compares two single values held as canonical bytes (scalars, 0-d arrays).
ArrayDiff compareValues(
    DType ta, const std::byte *pa, DType tb, const std::byte *pb, const ArrayCompareOptions &options);

/// C-order multi-index of a flat index.
std::vector<uint64_t> unravelIndex(uint64_t flat, const std::vector<uint64_t> &shape);

} // namespace ckpt
