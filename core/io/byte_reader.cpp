#include "io/byte_reader.h"

#include "base/error.h"

namespace ckpt {

void ByteReader::check(std::string_view what) const
{
    if (m_failed)
        fail(ErrorCategory::Corrupt, std::string(what) + ": unexpected end of data", m_file, m_base + m_failPos);
}

void ByteReader::error(std::string_view message) const
{
    fail(ErrorCategory::Corrupt, std::string(message), m_file, fileOffset());
}

template <typename T> T ByteReader::fixed(bool bigEndian)
{
    if (m_failed || m_data.size() - m_pos < sizeof(T)) {
        setFailed();
        return 0;
    }
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
        const T b = T(uint8_t(m_data[m_pos + i]));
        v |= bigEndian ? T(b << (8 * (sizeof(T) - 1 - i))) : T(b << (8 * i));
    }
    m_pos += sizeof(T);
    return v;
}

uint8_t ByteReader::u8()
{
    return fixed<uint8_t>(false);
}
uint16_t ByteReader::u16le()
{
    return fixed<uint16_t>(false);
}
uint32_t ByteReader::u32le()
{
    return fixed<uint32_t>(false);
}
uint64_t ByteReader::u64le()
{
    return fixed<uint64_t>(false);
}
uint32_t ByteReader::u32be()
{
    return fixed<uint32_t>(true);
}

uint64_t ByteReader::varint()
{
    uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
        if (m_failed || m_pos >= m_data.size()) {
            setFailed();
            return 0;
        }
        const uint8_t b = uint8_t(m_data[m_pos++]);
        if (i == 9 && b > 1) { // the 10th byte may only carry bit 63
            setFailed();
            return 0;
        }
        v |= uint64_t(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return v;
    }
    setFailed();
    return 0;
}

std::span<const std::byte> ByteReader::bytes(size_t n)
{
    if (m_failed || m_data.size() - m_pos < n) {
        setFailed();
        return {};
    }
    auto s = m_data.subspan(m_pos, n);
    m_pos += n;
    return s;
}

std::string_view ByteReader::chars(size_t n)
{
    auto b = bytes(n);
    return std::string_view(reinterpret_cast<const char *>(b.data()), b.size());
}

} // namespace ckpt
