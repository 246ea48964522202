#include "tree/sequential_chunk_reader.h"

#include "base/error.h"

#include <algorithm>

namespace ckpt {

std::unique_ptr<SequentialChunkReader> SequentialChunkReader::make(const ArraySource &source)
{
    const ChunkedStorage *storage = source.chunkedStorage();
    const ArrayInfo &info = source.info();
    if (!storage || info.shape.empty() || info.chunkShape.size() != info.shape.size() || info.numElements() == 0)
        return nullptr;
    uint64_t streams = 1;
    for (size_t i = 0; i < info.shape.size(); ++i) {
        if (info.chunkShape[i] == 0)
            return nullptr;
        if (i > 0)
            streams *= (info.shape[i] + info.chunkShape[i] - 1) / info.chunkShape[i];
    }
    if (streams > kMaxStreams || ArrayInfo{info.dtype, info.chunkShape, {}}.numBytes() < kMinChunkBytes
        || !storage->streamsChunks())
        return nullptr;
    return std::unique_ptr<SequentialChunkReader>(new SequentialChunkReader(*storage, info));
}

SequentialChunkReader::SequentialChunkReader(const ChunkedStorage &storage, const ArrayInfo &info)
    : m_storage(storage)
    , m_shape(info.shape)
    , m_chunk(info.chunkShape)
    , m_item(itemSize(info.dtype))
{
    const size_t rank = m_shape.size();
    m_grid.resize(rank);
    m_chunkStrides.assign(rank, 1);
    uint64_t streams = 1;
    m_contiguous = true;
    for (size_t i = 0; i < rank; ++i) {
        m_grid[i] = (m_shape[i] + m_chunk[i] - 1) / m_chunk[i];
        if (i > 0) {
            streams *= m_grid[i];
            m_contiguous = m_contiguous && m_chunk[i] == m_shape[i];
        }
    }
    for (size_t i = rank; i-- > 1;)
        m_chunkStrides[i - 1] = m_chunkStrides[i] * m_chunk[i];
    m_rowElems = info.numElements() / m_shape[0];
    m_bandElems = m_chunk[0] * m_rowElems;
    m_streams.resize(size_t(streams));
    m_consumed.resize(size_t(streams));
}

ChunkStream &SequentialChunkReader::streamAt(size_t t, uint64_t local)
{
    if (!m_streams[t] || m_consumed[t] > local) {
        const size_t rank = m_shape.size();
        std::vector<uint64_t> index(rank);
        index[0] = m_band;
        for (size_t i = rank, rest = t; i-- > 1; rest /= size_t(m_grid[i]))
            index[i] = rest % m_grid[i];
        m_streams[t] = m_storage.openChunkStream(index);
        if (!m_streams[t])
            fail(ErrorCategory::Corrupt, "chunk stream unavailable");
        m_consumed[t] = 0;
        ++m_opened;
    }
    // Skip forward by decoding (padding of edge chunks, or a read that starts further on).
    while (m_consumed[t] < local) {
        const uint64_t n = std::min<uint64_t>(local - m_consumed[t], (1u << 20) / m_item);
        m_skip.resize(size_t(n * m_item));
        m_streams[t]->read(m_skip);
        m_consumed[t] += n;
    }
    return *m_streams[t];
}

void SequentialChunkReader::read(uint64_t first, uint64_t count, std::span<std::byte> out, const Progress &progress)
{
    const size_t rank = m_shape.size();
    if (out.size() != count * m_item)
        fail(ErrorCategory::InvalidArgument, "output buffer does not match the element range");
    if (first > m_shape[0] * m_rowElems || count > m_shape[0] * m_rowElems - first)
        fail(ErrorCategory::InvalidArgument, "element range outside the array");
    std::vector<uint64_t> idx(rank);
    for (uint64_t pos = first, end = first + count; pos < end;) {
        progress.throwIfCancelled();
        uint64_t rest = pos;
        for (size_t i = rank; i-- > 0;) {
            idx[i] = rest % m_shape[i];
            rest /= m_shape[i];
        }
        const uint64_t band = idx[0] / m_chunk[0];
        if (band != m_band) {
            for (auto &s : m_streams)
                s.reset();
            m_band = band;
        }
        size_t t = 0;
        uint64_t local = (idx[0] - band * m_chunk[0]) * m_chunkStrides[0];
        for (size_t i = 1; i < rank; ++i) {
            const uint64_t j = idx[i] / m_chunk[i];
            t = t * size_t(m_grid[i]) + size_t(j);
            local += (idx[i] - j * m_chunk[i]) * m_chunkStrides[i];
        }
        uint64_t run;
        if (m_contiguous) {
            run = std::min((band + 1) * m_bandElems, m_shape[0] * m_rowElems) - pos; // rest of the band
        } else {
            const size_t l = rank - 1;
            const uint64_t inChunk = idx[l] - idx[l] / m_chunk[l] * m_chunk[l];
            run = std::min(m_chunk[l] - inChunk, m_shape[l] - idx[l]); // rest of the chunk's row
        }
        run = std::min(run, end - pos);
        ChunkStream &s = streamAt(t, local);
        s.read(out.subspan(size_t((pos - first) * m_item), size_t(run * m_item)));
        m_consumed[t] += run;
        pos += run;
    }
}

} // namespace ckpt
