#include "io/codecs/crc32c.h"

#include <array>

namespace ckpt {

namespace {

// The reflected Castagnoli polynomial; part of the checksum definition, never change it.
constexpr uint32_t kPolynomial = 0x82F63B78u;

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// Slice-by-8 tables: table[0] is the classic byte table, table[k][b] advances table[k-1][b] by one zero byte.
constexpr Tables makeTables()
{
    Tables t{};
    for (uint32_t b = 0; b < 256; ++b) {
        uint32_t c = b;
        for (int i = 0; i < 8; ++i)
            c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
        t[0][b] = c;
    }
    for (size_t k = 1; k < 8; ++k)
        for (uint32_t b = 0; b < 256; ++b)
            t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xffu];
    return t;
}

constexpr Tables kTables = makeTables();

inline uint32_t load32le(const std::byte *p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

} // namespace

uint32_t crc32cExtend(uint32_t crc, std::span<const std::byte> data)
{
    uint32_t c = ~crc;
    const std::byte *p = data.data();
    size_t n = data.size();
    while (n >= 8) {
        const uint32_t lo = load32le(p) ^ c;
        const uint32_t hi = load32le(p + 4);
        c = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^ kTables[4][lo >> 24]
            ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^ kTables[1][(hi >> 16) & 0xff]
            ^ kTables[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) {
        c = (c >> 8) ^ kTables[0][(c ^ uint32_t(*p)) & 0xffu];
        ++p;
    }
    return ~c;
}

uint32_t crc32c(std::span<const std::byte> data)
{
    return crc32cExtend(0, data);
}

} // namespace ckpt
