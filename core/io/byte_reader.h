#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace ckpt {

/// Bounded little-endian cursor over bytes already in memory. Reads past the end do not throw:
/// they set a sticky failure, return zeros, and every later read fails too. Call `ok()` (or
/// `check()`) at points where a decision depends on what was read.
class ByteReader {
public:
    /// `baseOffset` is the position of `data[0]` in `file`, so errors name file offsets.
    ByteReader(std::span<const std::byte> data, std::string file = {}, uint64_t baseOffset = 0)
        : m_data(data)
        , m_file(std::move(file))
        , m_base(baseOffset)
    { }

    bool ok() const { return !m_failed; }
    size_t pos() const { return m_pos; }
    size_t remaining() const { return m_failed ? 0 : m_data.size() - m_pos; }
    bool atEnd() const { return m_pos >= m_data.size(); }
    /// File offset of the cursor (base + pos).
    uint64_t fileOffset() const { return m_base + m_pos; }

    /// Throws Exception{Corrupt} naming `what` and the offset of the first failed read.
    void check(std::string_view what) const;
    /// Throws Exception{Corrupt} at the current offset.
    [[noreturn]] void error(std::string_view message) const;

    uint8_t u8();
    uint16_t u16le();
    uint32_t u32le();
    uint64_t u64le();
    uint32_t u32be();
    /// LEB128 unsigned varint of at most 10 bytes (fails on overlong or overflowing encodings).
    uint64_t varint();
    /// The next `n` bytes (empty span and failure if fewer remain).
    std::span<const std::byte> bytes(size_t n);
    std::string_view chars(size_t n);

private:
    void setFailed()
    {
        if (!m_failed)
            m_failPos = m_pos;
        m_failed = true;
    }
    template <typename T> T fixed(bool bigEndian);

    std::span<const std::byte> m_data;
    std::string m_file;
    uint64_t m_base = 0;
    size_t m_pos = 0;
    size_t m_failPos = 0;
    bool m_failed = false;
};

} // namespace ckpt
