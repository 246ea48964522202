#pragma once

#include "base/progress.h"
#include "tree/array_info.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// A box inside an array: `count[i]` elements from `start[i]` along each dimension.
struct Slab {
    std::vector<uint64_t> start;
    std::vector<uint64_t> count;

    uint64_t numElements() const;
    /// Throws InvalidArgument unless the slab has the array's rank and lies inside `shape`.
    void validate(const std::vector<uint64_t> &shape) const;
    static Slab whole(const std::vector<uint64_t> &shape);
};

/// What every readSlab() checks first: `slab` lies inside `info.shape` (Slab::validate) and `out`
/// holds exactly its elements of `info.dtype`. Throws InvalidArgument.
void checkSlabOutput(const ArrayInfo &info, const Slab &slab, std::span<const std::byte> out);

/// The encoded bytes of one stored chunk and where they came from (for error messages): a copy
/// in `bytes`, or for a large chunk of a mapped file a view into the mapping, kept alive by
/// `owner`, that may only be read inside guardedRun() (io/guarded_read.h).
struct StoredChunk {
    std::vector<std::byte> bytes;
    std::span<const std::byte> mapped;
    std::shared_ptr<const void> owner; ///< set when `mapped` holds the bytes
    std::string file;
    uint64_t offset = 0;

    bool isMapped() const { return owner != nullptr; }
    /// Drops the mapping (if any) so its pages leave this process.
    void releaseMapping()
    {
        owner.reset();
        mapped = {};
    }
    std::span<const std::byte> data() const { return isMapped() ? mapped : std::span<const std::byte>(bytes); }
};

/// Decodes one chunk's canonical bytes front to back in bounded memory.
class ChunkStream {
public:
    virtual ~ChunkStream() = default;
    /// The next out.size() bytes of the chunk; throws Exception{Corrupt} naming the chunk on
    /// damage or when the chunk ends first.
    virtual void read(std::span<std::byte> out) = 0;
};

/// Optional view of an ArraySource stored as a regular grid of separately encoded chunks of
/// info().chunkShape (zarr v2/v3), so a reader can compare stored bytes before decoding.
/// Chunk indices are grid positions (one per dimension). Thread-safe like ArraySource.
class ChunkedStorage {
public:
    virtual ~ChunkedStorage() = default;
    /// Everything besides the stored bytes that decoding depends on (dtype, chunk shape, codecs,
    /// byte order, fill value): equal keys and equal stored bytes mean equal decoded chunks.
    virtual std::string encodingKey() const = 0;
    /// Identity of the chunk's stored bytes (file + offset + length): equal only for the very same
    /// stored bytes. Empty when unknown or not stored.
    virtual std::string chunkFingerprint(const std::vector<uint64_t> &index) const = 0;
    /// Reads the chunk's encoded bytes into `out` (reusing the capacity of out.bytes); false when
    /// the chunk is not stored (it reads as the fill value).
    virtual bool readStoredChunk(const std::vector<uint64_t> &index, StoredChunk &out) const = 0;
    /// Decodes the whole chunk `index` into `out` (product(chunkShape) elements, canonical bytes,
    /// edge chunks at full size) from `stored`, or the fill value when `stored` is null.
    /// Throws Exception naming the chunk on damage.
    virtual void decodeChunk(
        const std::vector<uint64_t> &index, const StoredChunk *stored, std::span<std::byte> out) const = 0;
    /// Whether openChunkStream() works for this encoding (no I/O).
    virtual bool streamsChunks() const { return false; }
    /// A front-to-back decoder of chunk `index` (edge chunks at full size; the fill value when it
    /// is not stored) whose memory stays bounded (the codec's window), or null when the encoding
    /// only decodes whole chunks.
    virtual std::unique_ptr<ChunkStream> openChunkStream(const std::vector<uint64_t> &) const { return nullptr; }
};

/// Lazily decodes one array leaf. Implementations are immutable after construction and
/// every method may be called from any thread at the same time (pread, no shared offsets).
class ArraySource {
public:
    virtual ~ArraySource() = default;

    virtual const ArrayInfo &info() const = 0;

    /// Writes the whole array into `out` (exactly info().numBytes() bytes) in canonical
    /// bytes: C order, little-endian, NumPy itemsize. Throws Exception on failure.
    virtual void read(std::span<std::byte> out, const Progress &progress = {}) const = 0;

    /// Writes the elements of `slab` into `out` (slab.numElements() * itemsize bytes, C order).
    /// The default reads the whole array and copies; chunked sources override it.
    virtual void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const;

    /// Where the bytes live, for people: "model.msgpack @ byte 1234".
    virtual std::string location() const = 0;

    /// An identity of the stored bytes (e.g. file + offset + length) that is equal only when two
    /// sources decode from the very same stored bytes, so diff can read them once. Empty: unknown.
    virtual std::string storageFingerprint() const { return {}; }

    /// Bytes the array takes in storage (compressed chunks, packed bits) as far as the store can
    /// tell without reading data; nullopt when unknown (arrays in memory, computed edits).
    virtual std::optional<uint64_t> storedBytes() const { return std::nullopt; }

    /// The chunk grid behind this source, or null when it is not stored as separate chunks.
    /// Valid as long as the source.
    virtual const ChunkedStorage *chunkedStorage() const { return nullptr; }

    /// Reads the whole array into a new buffer.
    std::vector<std::byte> readAll(const Progress &progress = {}) const;
};

using ArraySourcePtr = std::shared_ptr<const ArraySource>;

/// The rows of a slab along its last dimension, inside a C-order array of `shape` (rank >= 1):
/// count() rows of rowElements() elements each, row r starting at flat element offset(r) of the
/// array. Rows are in C order. Holds a reference to `slab`.
class SlabRows {
public:
    SlabRows(const std::vector<uint64_t> &shape, const Slab &slab);
    uint64_t count() const { return m_rows; }
    uint64_t rowElements() const { return m_slab.count.back(); }
    uint64_t offset(uint64_t row) const;

private:
    const Slab &m_slab;
    std::vector<uint64_t> m_stride; ///< in elements, C order
    uint64_t m_rows = 1;
};

/// Copies the elements of `slab` out of a whole C-order array held in `whole`.
void copySlab(std::span<const std::byte> whole, const std::vector<uint64_t> &shape, size_t itemsize, const Slab &slab,
    std::span<std::byte> out);

/// An array held in memory (tests, edits, decoded scalars).
class MemoryArraySource final : public ArraySource {
public:
    MemoryArraySource(ArrayInfo info, std::vector<std::byte> bytes, std::string location = "memory");
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    /// Copies the slab straight from the held bytes.
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override { return m_location; }
    std::span<const std::byte> bytes() const { return m_bytes; }

private:
    ArrayInfo m_info;
    std::vector<std::byte> m_bytes;
    std::string m_location;
};

} // namespace ckpt

namespace ckpt {

/// Reads elements [first, first + count) of the array in C order into `out`, using as few
/// readSlab calls as the shape allows (whole rows and planes where aligned).
void readFlatRange(
    const ArraySource &source, uint64_t first, uint64_t count, std::span<std::byte> out, const Progress &progress = {});

/// Calls `sink(bytes)` with the array's canonical bytes in C order, in pieces of about `pieceBytes`,
/// so arrays of any size stream with bounded memory.
void streamArray(const ArraySource &source, const std::function<void(std::span<const std::byte>)> &sink,
    const Progress &progress = {}, uint64_t pieceBytes = 16u << 20);

} // namespace ckpt
