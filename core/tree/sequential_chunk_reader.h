#pragma once

#include "tree/array_source.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ckpt {

/// Reads a chunked array in flat C order with every chunk decoded front to back (ChunkStream), so
/// chunks larger than a read are neither held whole nor decoded again for every read. For the band
/// of chunks under the current position (one chunk index along dimension 0) one stream per chunk
/// of the band is open; memory is the streams' windows. Reads that follow each other decode each
/// chunk once; a read elsewhere restarts the chunks it needs. One instance per reading thread.
class SequentialChunkReader {
public:
    /// Null unless `source` has chunked storage whose chunks stream, a band holds at most
    /// kMaxStreams chunks and chunks hold at least kMinChunkBytes (smaller chunks decode whole
    /// cheaply). `source` must outlive the reader.
    static std::unique_ptr<SequentialChunkReader> make(const ArraySource &source);
    static constexpr uint64_t kMaxStreams = 64;
    static constexpr uint64_t kMinChunkBytes = 4u << 20;

    /// Elements [first, first + count) into `out` (canonical bytes). Throws like the chunk decoders.
    void read(uint64_t first, uint64_t count, std::span<std::byte> out, const Progress &progress = {});
    /// Elements in one band of chunks: ranges aligned to it never restart a chunk.
    uint64_t bandElements() const { return m_bandElems; }
    /// Chunk streams opened so far (a chunk read twice counts twice).
    uint64_t streamsOpened() const { return m_opened; }

private:
    SequentialChunkReader(const ChunkedStorage &storage, const ArrayInfo &info);
    /// Positions stream `t` of the current band at chunk-local element `local`.
    ChunkStream &streamAt(size_t t, uint64_t local);

    const ChunkedStorage &m_storage;
    std::vector<uint64_t> m_shape, m_chunk, m_grid, m_chunkStrides;
    size_t m_item = 0;
    uint64_t m_rowElems = 0, m_bandElems = 0;
    bool m_contiguous = false; ///< chunks span every later dimension exactly: a band is one run per chunk
    uint64_t m_band = ~uint64_t(0);
    std::vector<std::unique_ptr<ChunkStream>> m_streams; ///< per chunk of the band
    std::vector<uint64_t> m_consumed; ///< elements read from each stream
    std::vector<std::byte> m_skip;
    uint64_t m_opened = 0;
};

} // namespace ckpt
