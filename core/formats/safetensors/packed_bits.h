#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ckpt::safetensors {

/// Bit packing of the sub-byte safetensors dtypes (F4: 4 bits, F6_*: 6 bits). The file holds a
/// little-endian bit stream: element i occupies bits [i * bits, (i + 1) * bits), so for F4 element
/// 0 is the low nibble of byte 0. In memory each element is one byte holding its bits in the low end.

/// Unpacks `out.size()` elements starting at element `first` from `packed`, which holds the bytes
/// of the stream from byte (first * bits) / 8 on.
void unpackBits(int bits, uint64_t first, std::span<const std::byte> packed, std::span<std::byte> out);

/// Byte range [begin, end) of the stream that elements [first, first + count) touch.
struct PackedRange {
    uint64_t begin = 0;
    uint64_t end = 0;
};
PackedRange packedRange(int bits, uint64_t first, uint64_t count);

/// Packs a stream of one-byte elements fed in pieces of any size; the caller writes what
/// take() returns. finish() pads the last partial byte with zero bits.
class BitPacker {
public:
    explicit BitPacker(int bits)
        : m_bits(bits)
    { }
    void add(std::span<const std::byte> elements);
    void finish();
    /// The whole bytes packed so far (and not yet taken).
    std::vector<std::byte> &bytes() { return m_out; }

private:
    int m_bits;
    uint32_t m_acc = 0;
    int m_accBits = 0;
    std::vector<std::byte> m_out;
};

} // namespace ckpt::safetensors
