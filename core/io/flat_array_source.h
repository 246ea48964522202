#pragma once

#include "io/random_access.h"
#include "tree/array_source.h"

#include <vector>

namespace ckpt {

/// An array whose canonical C-order bytes are stored contiguously, possibly split into pieces
/// (Flax's `__msgpack_chunked_array__`). Slabs are read row by row with pread, touching only
/// the bytes they need.
class FlatArraySource final : public ArraySource {
public:
    struct Piece {
        RandomAccessPtr src;
        uint64_t offset = 0; ///< byte offset inside src
        uint64_t bytes = 0; ///< length in bytes (a whole number of elements)
    };

    /// Throws Exception{Corrupt} unless the pieces hold exactly info.numBytes() bytes.
    FlatArraySource(ArrayInfo info, std::vector<Piece> pieces);

    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress = {}) const override;
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress = {}) const override;
    std::string location() const override;
    /// Path, offset and length of every piece when each piece lies directly in a File; else empty.
    std::string storageFingerprint() const override;
    std::optional<uint64_t> storedBytes() const override { return m_info.numBytes(); }
    const std::vector<Piece> &pieces() const { return m_pieces; }

private:
    /// Reads bytes [byteOffset, byteOffset + out.size()) of the flat array.
    void readBytes(uint64_t byteOffset, std::span<std::byte> out) const;

    ArrayInfo m_info;
    std::vector<Piece> m_pieces;
    std::vector<uint64_t> m_pieceStart; ///< flat byte offset where each piece begins
};

} // namespace ckpt
