#pragma once

#include "base/progress.h"
#include "tree/array_source.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ckpt {

/// Buffers a ChunkPairReader works in, kept by the caller so consecutive reads reuse memory.
struct ChunkPairScratch {
    StoredChunk storedA, storedB; ///< encoded bytes of the current chunk pair
    std::unique_ptr<std::byte[]> chunk; ///< one decoded chunk that is not a contiguous run of the piece
    size_t chunkSize = 0;
    size_t bytes() const
    {
        return storedA.bytes.capacity() + storedB.bytes.capacity() + chunkSize;
    } ///< held, not mapped
};

/// Reads the same element ranges of two arrays stored on the same chunk grid with the same
/// encoding (ChunkedStorage with equal shape, dtype, chunk shape and encodingKey), decoding a chunk
/// only once when both sides hold identical stored bytes (same fingerprint, or byte-equal encoded
/// chunks, or both absent). Two differing chunks of 1 MiB or more that decode straight into the
/// pieces are decoded at the same time (B on a helper thread). Not thread-safe: one reader per
/// comparing thread.
class ChunkPairReader {
public:
    /// A reader for `a` and `b`, or null when they do not qualify or one band of chunk rows
    /// (chunkShape[0] rows of the whole array) exceeds `maxBandBytes`.
    static std::unique_ptr<ChunkPairReader> make(const ArraySource &a, const ArraySource &b, uint64_t maxBandBytes);

    /// Elements in one band of chunk rows; read() ranges start on a band boundary.
    uint64_t band() const { return m_band; }
    /// True when [first, first + count) can be read: first is a multiple of band() and the end is
    /// one too or the end of the array.
    bool aligned(uint64_t first, uint64_t count) const;

    /// Reads elements [first, first + count) of both arrays (canonical bytes) into outA and outB
    /// (count * itemsize bytes each). Returns true when every chunk of the range was identical on
    /// both sides; then only outA is written (it holds B's values too). Throws Exception naming the
    /// chunk on damage; checks cancellation between chunks.
    bool read(uint64_t first, uint64_t count, std::span<std::byte> outA, std::span<std::byte> outB,
        ChunkPairScratch &scratch, const Progress &progress);

    /// Chunks whose second decode was skipped, and the decoded bytes that saved, so far.
    uint64_t chunksShortCut() const { return m_chunksShortCut; }
    uint64_t bytesShortCut() const { return m_bytesShortCut; }

private:
    ChunkPairReader() = default;

    const ChunkedStorage *m_a = nullptr, *m_b = nullptr;
    std::vector<uint64_t> m_shape, m_chunk;
    size_t m_item = 0;
    uint64_t m_rowElems = 0; ///< elements per index of dimension 0
    uint64_t m_band = 0;
    uint64_t m_chunkBytes = 0;
    uint64_t m_chunksShortCut = 0, m_bytesShortCut = 0;
};

} // namespace ckpt
