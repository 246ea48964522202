#include "formats/safetensors/packed_bits.h"

namespace ckpt::safetensors {

PackedRange packedRange(int bits, uint64_t first, uint64_t count)
{
    const auto b = static_cast<uint64_t>(bits);
    return {first * b / 8, ((first + count) * b + 7) / 8};
}

void unpackBits(int bits, uint64_t first, std::span<const std::byte> packed, std::span<std::byte> out)
{
    const auto b = static_cast<uint64_t>(bits);
    const uint64_t base = first * b / 8 * 8; // bit position of packed[0] in the stream
    const uint32_t mask = (1u << bits) - 1;
    for (size_t i = 0; i < out.size(); ++i) {
        const uint64_t bit = (first + i) * b - base;
        const size_t byte = static_cast<size_t>(bit / 8);
        uint32_t window = std::to_integer<uint32_t>(packed[byte]);
        if (byte + 1 < packed.size())
            window |= std::to_integer<uint32_t>(packed[byte + 1]) << 8;
        out[i] = static_cast<std::byte>((window >> (bit % 8)) & mask);
    }
}

void BitPacker::add(std::span<const std::byte> elements)
{
    const uint32_t mask = (1u << m_bits) - 1;
    for (std::byte e : elements) {
        m_acc |= (std::to_integer<uint32_t>(e) & mask) << m_accBits;
        m_accBits += m_bits;
        while (m_accBits >= 8) {
            m_out.push_back(static_cast<std::byte>(m_acc & 0xff));
            m_acc >>= 8;
            m_accBits -= 8;
        }
    }
}

void BitPacker::finish()
{
    if (m_accBits > 0)
        m_out.push_back(static_cast<std::byte>(m_acc & 0xff));
    m_acc = 0;
    m_accBits = 0;
}

} // namespace ckpt::safetensors
