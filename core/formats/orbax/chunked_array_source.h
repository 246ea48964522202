#pragma once

#include "tree/array_source.h"
#include "tree/error.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ckpt::zarr {

/// Decodes single chunks of a regular chunk grid. Implementations are immutable and thread-safe.
class ChunkReader {
public:
    virtual ~ChunkReader() = default;
    /// Canonical bytes (C order, little-endian, NumPy itemsize) of the whole chunk at grid position
    /// `index` (edge chunks at full chunk size), or nullopt when the chunk is not stored (reads as
    /// the fill value). Throws Exception{Corrupt} naming the chunk key for damaged chunks.
    virtual std::optional<std::vector<std::byte>> readChunk(const std::vector<uint64_t> &index) const = 0;
    /// Storage key of the chunk, for messages.
    virtual std::string chunkKey(const std::vector<uint64_t> &index) const = 0;
};

/// Rethrows `e` with its message prefixed by `zarr chunk "<key>" in <store>: `, so every chunk
/// decoding error names the chunk it came from.
[[noreturn]] void rethrowForChunk(const Exception &e, const std::string &key, const std::string &store);

/// An array stored as a regular grid of chunks (zarr v2, zarr v3 shards). `read` decodes chunks in
/// parallel on a bounded pool of std::threads; `readSlab` decodes only the chunks the slab touches.
/// Progress is reported in chunks done / chunks total; cancellation is checked between chunks.
class ChunkedArraySource final : public ArraySource {
public:
    /// `info.chunkShape` must have the array's rank with every entry >= 1; `fill` is one element in
    /// canonical bytes. Throws Exception{Corrupt} when the grid is inconsistent.
    ChunkedArraySource(
        ArrayInfo info, std::shared_ptr<const ChunkReader> reader, std::vector<std::byte> fill, std::string location);

    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override { return m_location; }

    const std::vector<std::byte> &fillValue() const { return m_fill; }
    const ChunkReader &reader() const { return *m_reader; }

private:
    void decodeInto(const Slab &slab, std::span<std::byte> out, const Progress &progress) const;

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
