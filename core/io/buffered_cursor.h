#pragma once

#include "io/random_access.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ckpt {

/// Forward reader over a RandomAccess through a small window, so structure can be parsed from a
/// huge file while skipped payloads are never read. Failures throw Exception{Corrupt} with the
/// absolute offset. Not thread-safe (one cursor per parse).
class BufferedCursor {
public:
    explicit BufferedCursor(RandomAccessPtr src, uint64_t start = 0, size_t window = 64 * 1024);

    uint64_t offset() const { return m_offset; }
    uint64_t size() const { return m_src->size(); }
    uint64_t remaining() const { return m_src->size() - m_offset; }
    const RandomAccessPtr &source() const { return m_src; }

    uint8_t u8();
    uint8_t peek();
    /// Big-endian unsigned of `n` bytes (1, 2, 4 or 8).
    uint64_t be(int n);
    /// `n` bytes as a string; `n` is checked against the bytes that exist before allocating.
    std::string take(uint64_t n);
    void skip(uint64_t n);
    void seek(uint64_t offset);

    /// Throws Exception{Corrupt} at the current offset.
    [[noreturn]] void error(const std::string &message) const;

private:
    void need(uint64_t n);
    void fill(uint64_t n);

    RandomAccessPtr m_src;
    uint64_t m_offset = 0;
    std::vector<std::byte> m_buf;
    uint64_t m_bufStart = 0; ///< absolute offset of m_buf[0]
    size_t m_window;
};

} // namespace ckpt
