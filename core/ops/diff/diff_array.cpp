#include "ops/diff/diff_array.h"

#include "ops/diff/diff_block_compare.h"
#include "ops/diff/diff_chunk_pair.h"

#include "base/concurrently.h"
#include "base/error.h"
#include "tree/sequential_chunk_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

namespace ckpt {

void ArrayDiff::merge(const ArrayDiff &later)
{
    count += later.count;
    differing += later.differing;
    if (later.maxAbs > maxAbs) {
        maxAbs = later.maxAbs;
        maxAbsIndex = later.maxAbsIndex;
    }
    if (later.hasMaxRel && (!hasMaxRel || later.maxRel > maxRel)) {
        maxRel = later.maxRel;
        maxRelIndex = later.maxRelIndex;
        hasMaxRel = true;
    }
    normA = std::sqrt(normA * normA + later.normA * later.normA);
    normB = std::sqrt(normB * normB + later.normB * later.normB);
    normDiff = std::sqrt(normDiff * normDiff + later.normDiff * later.normDiff);
    sameStorage = sameStorage && later.sameStorage;
    chunksShortCut += later.chunksShortCut;
    bytesShortCut += later.bytesShortCut;
}

namespace {

/// Elements in one band of chunks along dimension 0, or 0 when the array is not chunked.
uint64_t chunkBand(const ArrayInfo &info)
{
    if (info.shape.empty() || info.chunkShape.size() != info.shape.size() || info.chunkShape[0] == 0)
        return 0;
    uint64_t band = std::min(info.chunkShape[0], info.shape[0]);
    for (size_t i = 1; i < info.shape.size(); ++i)
        band *= info.shape[i];
    return band;
}

} // namespace

uint64_t pieceElements(const ArrayInfo &a, const ArrayInfo &b, uint64_t pieceBytes)
{
    const size_t item = std::max(itemSize(a.dtype), itemSize(b.dtype));
    const uint64_t plain = std::max<uint64_t>(1, pieceBytes / item);
    const uint64_t ba = chunkBand(a), bb = chunkBand(b);
    uint64_t band = std::max(ba, bb);
    const uint64_t other = std::min(ba, bb);
    if (other != 0 && band % other != 0)
        return plain; // grids that do not nest: no alignment helps both
    if (band == 0 || band > kMaxBandBytes / item)
        return plain;
    return std::max<uint64_t>(1, plain / band) * band;
}

CompareDomain compareDomain(DType a, DType b)
{
    if (isComplex(a) || isComplex(b))
        return CompareDomain::Complex;
    const auto intLike = [](DType t) { return dtypeClass(t) != DTypeClass::Float; };
    if (intLike(a) && intLike(b))
        return CompareDomain::Integer;
    return CompareDomain::Real;
}

std::string compareTypeName(DType a, DType b)
{
    if (a == b)
        return std::string(dtypeName(a));
    switch (compareDomain(a, b)) {
    case CompareDomain::Integer: return "int128";
    case CompareDomain::Real: return "float64";
    case CompareDomain::Complex: return "complex128";
    }
    return {};
}

/// Piece buffers (not zero-filled: readers overwrite them) and chunk buffers of one thread.
struct CompareBuffers::Impl {
    std::unique_ptr<std::byte[]> a, b;
    size_t sizeA = 0, sizeB = 0;
    ChunkPairScratch chunks;

    std::span<std::byte> get(std::unique_ptr<std::byte[]> &p, size_t &size, size_t n)
    {
        if (n > size) {
            p.reset();
            p.reset(new std::byte[n]);
            size = n;
        }
        return {p.get(), n};
    }
};

CompareBuffers::CompareBuffers()
    : m_impl(std::make_unique<Impl>())
{ }

CompareBuffers::~CompareBuffers() = default;

ArrayDiff compareArrayRange(const ArraySource &a, const ArraySource &b, uint64_t first, uint64_t count,
    const ArrayCompareOptions &options, const Progress &progress, CompareBuffers *buffers)
{
    const ArrayInfo &ia = a.info(), &ib = b.info();
    const uint64_t n = ia.numElements();
    if (ib.numElements() != n)
        fail(ErrorCategory::Mismatch,
            "cannot compare arrays of shapes " + shapeString(ia.shape) + " and " + shapeString(ib.shape));
    if (first > n || count > n - first)
        fail(ErrorCategory::InvalidArgument, "element range outside the array");
    const size_t itemA = itemSize(ia.dtype), itemB = itemSize(ib.dtype);
    const std::string fa = a.storageFingerprint();
    const bool same = !fa.empty() && ia == ib && fa == b.storageFingerprint();
    const uint64_t perPiece = pieceElements(ia, ib, options.pieceBytes);
    const Progress cancelOnly{{}, progress.isCancelled};
    const uint64_t totalBytes = count * (itemA + (same ? 0 : itemB));
    uint64_t doneBytes = 0;
    // Chunk by chunk when both sides share a grid and an encoding: identical stored chunks decode once.
    std::unique_ptr<ChunkPairReader> chunks = same ? nullptr : ChunkPairReader::make(a, b, kMaxBandBytes);
    // Chunks larger than a piece stream front to back instead of decoding whole for every piece.
    std::unique_ptr<SequentialChunkReader> seqA, seqB;
    if (!chunks) {
        seqA = SequentialChunkReader::make(a);
        seqB = same ? nullptr : SequentialChunkReader::make(b);
    }
    auto readA = [&](uint64_t pos, uint64_t k, std::span<std::byte> out) {
        seqA ? seqA->read(pos, k, out, cancelOnly) : readFlatRange(a, pos, k, out, cancelOnly);
    };
    auto readB = [&](uint64_t pos, uint64_t k, std::span<std::byte> out) {
        seqB ? seqB->read(pos, k, out, cancelOnly) : readFlatRange(b, pos, k, out, cancelOnly);
    };

    std::optional<CompareBuffers> own;
    if (!buffers)
        buffers = &own.emplace();
    CompareBuffers::Impl &scratch = buffers->impl();
    CompareAccumulator acc;
    BlockComparer comparer(ia.dtype, ib.dtype, options);
    for (uint64_t pos = first; pos < first + count;) {
        progress.throwIfCancelled();
        const uint64_t k = std::min(perPiece, first + count - pos);
        std::span<std::byte> bufA = scratch.get(scratch.a, scratch.sizeA, k * itemA);
        std::span<std::byte> bufB;
        bool sameBytes = same;
        if (chunks && chunks->aligned(pos, k)) {
            bufB = scratch.get(scratch.b, scratch.sizeB, k * itemB);
            sameBytes = chunks->read(pos, k, bufA, bufB, scratch.chunks, cancelOnly);
        } else if (same) {
            readA(pos, k, bufA);
        } else {
            bufB = scratch.get(scratch.b, scratch.sizeB, k * itemB);
            auto sideA = [&] { readA(pos, k, bufA); };
            auto sideB = [&] { readB(pos, k, bufB); };
            if (options.pieceThreads > 1 && (seqA || seqB)) { // streamed sides decode on one thread each
                runConcurrently(sideA, sideB);
            } else {
                sideA();
                sideB();
            }
        }
        const std::byte *pb = sameBytes ? bufA.data() : bufB.data();
        // The helper's half starts at a block boundary (a multiple of kCompareBlock).
        const uint64_t mid = (pos + k / 2) / kCompareBlock * kCompareBlock;
        const uint64_t half = mid > pos ? mid - pos : 0;
        if (options.pieceThreads > 1 && half >= 8 * kCompareBlock) {
            // Second half on a helper from zero, merged after the first: same numbers as one pass.
            CompareAccumulator later;
            std::vector<std::array<double, 3>> sums;
            later.blockSums = &sums;
            runConcurrently([&] { comparer.compare(bufA.data(), pb, half, pos, acc); },
                [&] {
                    BlockComparer(ia.dtype, ib.dtype, options)
                        .compare(bufA.data() + half * itemA, pb + half * itemB, k - half, pos + half, later);
                });
            acc.mergeLater(later);
        } else {
            comparer.compare(bufA.data(), pb, k, pos, acc);
        }
        pos += k;
        doneBytes += k * (itemA + (same ? 0 : itemB));
        progress.update(doneBytes, totalBytes);
    }
    ArrayDiff r = acc.finish();
    r.sameStorage = same;
    if (chunks) {
        r.chunksShortCut = chunks->chunksShortCut();
        r.bytesShortCut = chunks->bytesShortCut();
    }
    return r;
}

ArrayDiff compareArrays(
    const ArraySource &a, const ArraySource &b, const ArrayCompareOptions &options, const Progress &progress)
{
    return compareArrayRange(a, b, 0, a.info().numElements(), options, progress);
}

ArrayDiff compareValues(
    DType ta, const std::byte *pa, DType tb, const std::byte *pb, const ArrayCompareOptions &options)
{
    CompareAccumulator acc;
    BlockComparer(ta, tb, options).compare(pa, pb, 1, 0, acc);
    return acc.finish();
}

std::vector<uint64_t> unravelIndex(uint64_t flat, const std::vector<uint64_t> &shape)
{
    std::vector<uint64_t> idx(shape.size(), 0);
    for (size_t i = shape.size(); i-- > 0;) {
        if (shape[i] == 0)
            return idx;
        idx[i] = flat % shape[i];
        flat /= shape[i];
    }
    return idx;
}

} // namespace ckpt
