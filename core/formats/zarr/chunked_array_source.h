#pragma once

#include "base/error.h"
#include "io/kvstore/kvstore.h"
#include "tree/array_source.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ckpt::zarr {

/// Reads and decodes single chunks of a regular chunk grid stored in a KvStore. Implementations
/// are immutable and thread-safe.
class ChunkReader {
public:
    explicit ChunkReader(KvStorePtr store);
    virtual ~ChunkReader() = default;

    /// Storage key of the chunk at grid position `index`.
    virtual std::string chunkKey(const std::vector<uint64_t> &index) const = 0;
    /// Decodes encoded chunk bytes into `out` (exactly the whole chunk in canonical bytes: C order,
    /// little-endian, NumPy itemsize; edge chunks at full size). Throws Exception{Corrupt} naming
    /// stored.file / stored.offset on damage (callers add the chunk key).
    virtual void decode(const StoredChunk &stored, std::span<std::byte> out) const = 0;
    /// Whether decode() reads mapped stored bytes only inside guarded calls; when not, mapped
    /// chunks are copied (guarded) before they reach decode().
    virtual bool decodesMapped() const { return false; }
    /// Whether openStream() decodes this encoding piece by piece.
    virtual bool streams() const { return false; }
    /// A ChunkStream over the stored value of one chunk (only called when streams()); `fill` is
    /// one element, for parts of the value that are not stored (zarr v3 shards).
    virtual std::unique_ptr<ChunkStream> openStream(RandomAccessPtr value, const std::vector<std::byte> &fill) const;
    /// See ChunkedStorage::encodingKey (the fill value is added by ChunkedArraySource).
    virtual std::string encodingKey() const = 0;

    /// Reads the encoded bytes of the chunk into `out` (reusing its capacity), or views them in
    /// place when the store's file can be mapped; false when it is not stored. Errors name the chunk.
    bool readStored(const std::vector<uint64_t> &index, StoredChunk &out) const;
    /// decode() with errors prefixed by the chunk key (rethrowForChunk).
    void decodeNamed(const std::vector<uint64_t> &index, const StoredChunk &stored, std::span<std::byte> out) const;
    /// Reads and decodes the chunk into `out` (whole chunk bytes); false when it is not stored.
    bool readChunkInto(const std::vector<uint64_t> &index, std::span<std::byte> out) const;
    /// ChunkedStorage::openChunkStream: null unless streams(); `fill` (one element) for chunks
    /// that are not stored. Errors name the chunk.
    std::unique_ptr<ChunkStream> openChunkStream(
        const std::vector<uint64_t> &index, const std::vector<std::byte> &fill) const;
    /// Size of the chunk's stored value (0 when it is not stored); opens no data.
    uint64_t storedSize(const std::vector<uint64_t> &index) const;
    /// KvStore::fingerprint of the chunk's key (empty when unknown).
    std::string fingerprint(const std::vector<uint64_t> &index) const;
    /// Bytes of one whole decoded chunk.
    uint64_t chunkBytes() const { return m_chunkBytes; }

protected:
    /// Subclasses call this once their chunk shape and dtype are known.
    void setChunkBytes(uint64_t bytes) { m_chunkBytes = bytes; }
    KvStorePtr m_store;

private:
    uint64_t m_chunkBytes = 0;
};

/// Streams of the common encodings: zstd frames, bytes as stored, the fill value repeated.
std::unique_ptr<ChunkStream> zstdChunkStream(RandomAccessPtr value);
std::unique_ptr<ChunkStream> rawChunkStream(RandomAccessPtr value);
std::unique_ptr<ChunkStream> fillChunkStream(const std::vector<std::byte> &fill);

/// Rethrows `e` with its message prefixed by `zarr chunk "<key>" in <store>: `, so every chunk
/// decoding error names the chunk it came from.
[[noreturn]] void rethrowForChunk(const Exception &e, const std::string &key, const std::string &store);

/// An array stored as a regular grid of chunks (zarr v2, zarr v3 shards). `read` decodes chunks in
/// parallel on a bounded pool of std::threads; `readSlab` decodes only the chunks the slab touches.
/// Progress is reported in chunks done / chunks total; cancellation is checked between chunks.
class ChunkedArraySource final : public ArraySource, public ChunkedStorage {
public:
    /// `info.chunkShape` must have the array's rank with every entry >= 1; `fill` is one element in
    /// canonical bytes. Throws Exception{Corrupt} when the grid is inconsistent.
    ChunkedArraySource(
        ArrayInfo info, std::shared_ptr<const ChunkReader> reader, std::vector<std::byte> fill, std::string location);

    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override { return m_location; }
    const ChunkedStorage *chunkedStorage() const override { return this; }
    /// The sizes of the stored chunks (one store lookup per chunk of the grid).
    std::optional<uint64_t> storedBytes() const override;

    std::string encodingKey() const override;
    std::string chunkFingerprint(const std::vector<uint64_t> &index) const override;
    bool readStoredChunk(const std::vector<uint64_t> &index, StoredChunk &out) const override;
    void decodeChunk(
        const std::vector<uint64_t> &index, const StoredChunk *stored, std::span<std::byte> out) const override;
    bool streamsChunks() const override { return m_reader->streams(); }
    std::unique_ptr<ChunkStream> openChunkStream(const std::vector<uint64_t> &index) const override
    {
        return m_reader->openChunkStream(index, m_fill);
    }

    const std::vector<std::byte> &fillValue() const { return m_fill; }
    const ChunkReader &reader() const { return *m_reader; }

    /// Chunks above this size are not decoded whole for a slab smaller than a chunk (a plane or a
    /// window of a stacked-layers array): the slab streams out of them row run by row run.
    static constexpr uint64_t kWholeChunkLimit = 64u << 20;

private:
    void decodeInto(const Slab &slab, std::span<std::byte> out, const Progress &progress) const;
    bool readThroughStreams(const Slab &slab, std::span<std::byte> out, const Progress &progress) const;

    ArrayInfo m_info;
    std::shared_ptr<const ChunkReader> m_reader;
    std::vector<std::byte> m_fill;
    std::string m_location;
};

/// Upper bound on decoder threads used by one read (hardware_concurrency, at most 16).
unsigned decodeThreadCount(uint64_t jobs);

/// Undoes a zarr v3 `transpose`: `in` is the C-order encoded array whose dimension k is output
/// dimension order[k] (encoded shape[k] == outShape[order[k]]); writes the C-order array of shape
/// `outShape`. A reversed `order` turns Fortran order into C order.
void transposeToC(std::span<const std::byte> in, const std::vector<uint64_t> &outShape,
    const std::vector<size_t> &order, size_t itemsize, std::span<std::byte> out);

} // namespace ckpt::zarr
