#include "ops/diff/diff_chunk_pair.h"

#include "base/concurrently.h"
#include "base/error.h"
#include "io/guarded_read.h"

#include <algorithm>
#include <cstring>

namespace ckpt {
namespace {

std::vector<uint64_t> cStrides(const std::vector<uint64_t> &shape)
{
    std::vector<uint64_t> s(shape.size(), 1);
    for (size_t i = shape.size(); i > 1; --i)
        s[i - 2] = s[i - 1] * shape[i - 1];
    return s;
}

/// A chunk's part inside a piece: `lo` in piece coordinates, `count` elements per dimension.
struct Box {
    std::vector<uint64_t> lo, count;
};

/// Calls fn(offset in a C-order array of srcShape from srcLo, offset in one of dstShape from dstLo)
/// in elements, for every row (last-dimension run) of a box of `count`.
template <typename Fn>
void forEachRow(const std::vector<uint64_t> &count, const std::vector<uint64_t> &srcShape,
    const std::vector<uint64_t> &srcLo, const std::vector<uint64_t> &dstShape, const std::vector<uint64_t> &dstLo,
    Fn fn)
{
    const size_t rank = count.size();
    const auto ss = cStrides(srcShape), ds = cStrides(dstShape);
    std::vector<uint64_t> idx(rank, 0);
    for (;;) {
        uint64_t so = 0, d = 0;
        for (size_t i = 0; i < rank; ++i) {
            so += (srcLo[i] + idx[i]) * ss[i];
            d += (dstLo[i] + idx[i]) * ds[i];
        }
        fn(so, d);
        size_t k = rank - 1;
        for (;;) {
            if (k == 0)
                return;
            --k;
            if (++idx[k] < count[k])
                break;
            idx[k] = 0;
        }
    }
}

/// Chunks at least this large decode their two sides on two threads.
constexpr uint64_t kParallelDecodeBytes = 1u << 20;

} // namespace

std::unique_ptr<ChunkPairReader> ChunkPairReader::make(
    const ArraySource &a, const ArraySource &b, uint64_t maxBandBytes)
{
    const ChunkedStorage *sa = a.chunkedStorage(), *sb = b.chunkedStorage();
    const ArrayInfo &ia = a.info(), &ib = b.info();
    if (!sa || !sb || ia.dtype != ib.dtype || ia.shape != ib.shape || ia.chunkShape != ib.chunkShape || ia.shape.empty()
        || ia.chunkShape.size() != ia.shape.size() || ia.numElements() == 0)
        return nullptr;
    for (uint64_t c : ia.chunkShape)
        if (c == 0)
            return nullptr;
    const size_t item = itemSize(ia.dtype);
    const uint64_t chunkBytes = ArrayInfo{ia.dtype, ia.chunkShape, {}}.numBytes();
    const uint64_t rowElems = ia.numElements() / ia.shape[0];
    const uint64_t band = std::min(ia.chunkShape[0], ia.shape[0]) * rowElems;
    if (chunkBytes > maxBandBytes || band > maxBandBytes / item)
        return nullptr;
    if (sa->encodingKey() != sb->encodingKey())
        return nullptr;
    std::unique_ptr<ChunkPairReader> r(new ChunkPairReader);
    r->m_a = sa;
    r->m_b = sb;
    r->m_shape = ia.shape;
    r->m_chunk = ia.chunkShape;
    r->m_item = item;
    r->m_rowElems = rowElems;
    r->m_band = band;
    r->m_chunkBytes = chunkBytes;
    return r;
}

bool ChunkPairReader::aligned(uint64_t first, uint64_t count) const
{
    const uint64_t n = m_shape[0] * m_rowElems;
    return first % m_band == 0 && first <= n && count <= n - first
        && ((first + count) % m_band == 0 || first + count == n);
}

bool ChunkPairReader::read(uint64_t first, uint64_t count, std::span<std::byte> outA, std::span<std::byte> outB,
    ChunkPairScratch &scratch, const Progress &progress)
{
    if (!aligned(first, count) || outA.size() != count * m_item || outB.size() != count * m_item)
        fail(ErrorCategory::InvalidArgument, "chunk pair read is not aligned to whole chunk bands");
    if (count == 0)
        return true;
    const size_t rank = m_shape.size();
    const uint64_t r0 = first / m_rowElems, r1 = (first + count) / m_rowElems;
    std::vector<uint64_t> pieceShape = m_shape;
    pieceShape[0] = r1 - r0;
    std::vector<uint64_t> grid(rank);
    uint64_t trailing = 1;
    bool contiguous = true; // a whole chunk is one run of the piece
    for (size_t i = 1; i < rank; ++i) {
        grid[i] = (m_shape[i] + m_chunk[i] - 1) / m_chunk[i];
        trailing *= grid[i];
        contiguous = contiguous && m_chunk[i] == m_shape[i];
    }
    const std::vector<uint64_t> zero(rank, 0);

    auto decode = [&](const ChunkedStorage &s, const std::vector<uint64_t> &index, const StoredChunk *stored,
                      const Box &box, std::span<std::byte> out) {
        if (contiguous && box.count == m_chunk) {
            const uint64_t at = box.lo[0] * m_rowElems;
            s.decodeChunk(index, stored, out.subspan(at * m_item, m_chunkBytes));
            return;
        }
        if (scratch.chunkSize < m_chunkBytes) {
            scratch.chunk.reset();
            scratch.chunk.reset(new std::byte[m_chunkBytes]);
            scratch.chunkSize = m_chunkBytes;
        }
        std::span<std::byte> chunk(scratch.chunk.get(), m_chunkBytes);
        s.decodeChunk(index, stored, chunk);
        const size_t row = box.count[rank - 1] * m_item;
        forEachRow(box.count, m_chunk, zero, pieceShape, box.lo,
            [&](uint64_t so, uint64_t d) { std::memcpy(out.data() + d * m_item, chunk.data() + so * m_item, row); });
    };

    bool allSame = true;
    std::vector<Box> sameBoxes;
    std::vector<uint64_t> index(rank);
    for (uint64_t cr = r0 / m_chunk[0]; cr * m_chunk[0] < r1; ++cr) {
        for (uint64_t t = 0; t < trailing; ++t) {
            progress.throwIfCancelled();
            Box box{std::vector<uint64_t>(rank), std::vector<uint64_t>(rank)};
            index[0] = cr;
            box.lo[0] = cr * m_chunk[0] - r0;
            box.count[0] = std::min(m_chunk[0], r1 - cr * m_chunk[0]);
            uint64_t rest = t;
            for (size_t i = rank; i-- > 1;) {
                index[i] = rest % grid[i];
                rest /= grid[i];
                box.lo[i] = index[i] * m_chunk[i];
                box.count[i] = std::min(m_chunk[i], m_shape[i] - box.lo[i]);
            }
            struct Release { // mapped stored bytes stay mapped only while their chunk is decoded
                ChunkPairScratch &s;
                ~Release()
                {
                    s.storedA.releaseMapping();
                    s.storedB.releaseMapping();
                }
            } release{scratch};
            const bool hasA = m_a->readStoredChunk(index, scratch.storedA);
            bool hasB = false, same;
            const std::string fa = m_a->chunkFingerprint(index);
            if (!fa.empty() && fa == m_b->chunkFingerprint(index)) {
                same = true;
            } else {
                hasB = m_b->readStoredChunk(index, scratch.storedB);
                same = hasA == hasB
                    && (!hasA || guardedEqual(scratch.storedA.data(), scratch.storedB.data(), scratch.storedB.file));
            }
            const StoredChunk *sa = hasA ? &scratch.storedA : nullptr, *sb = hasB ? &scratch.storedB : nullptr;
            if (!same && contiguous && box.count == m_chunk && m_chunkBytes >= kParallelDecodeBytes) {
                // Two large chunks decoded straight into their pieces: decode B on a helper thread
                // meanwhile, so one comparing thread still keeps two cores busy.
                runConcurrently(
                    [&] { decode(*m_a, index, sa, box, outA); }, [&] { decode(*m_b, index, sb, box, outB); });
                allSame = false;
                continue;
            }
            decode(*m_a, index, sa, box, outA);
            if (same) {
                uint64_t elems = 1;
                for (uint64_t c : box.count)
                    elems *= c;
                ++m_chunksShortCut;
                m_bytesShortCut += elems * m_item;
                sameBoxes.push_back(std::move(box));
            } else {
                allSame = false;
                decode(*m_b, index, sb, box, outB);
            }
        }
    }
    if (!allSame) {
        for (const Box &box : sameBoxes) {
            const size_t row = box.count[rank - 1] * m_item;
            forEachRow(box.count, pieceShape, box.lo, pieceShape, box.lo, [&](uint64_t so, uint64_t d) {
                std::memcpy(outB.data() + d * m_item, outA.data() + so * m_item, row);
            });
        }
    }
    return allSame;
}

} // namespace ckpt
