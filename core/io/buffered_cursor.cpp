#include "io/buffered_cursor.h"

#include "base/error.h"

#include <algorithm>
#include <cstring>

namespace ckpt {

BufferedCursor::BufferedCursor(RandomAccessPtr src, uint64_t start, size_t window)
    : m_src(std::move(src))
    , m_offset(start)
    , m_window(window)
{ }

void BufferedCursor::error(const std::string &message) const
{
    fail(ErrorCategory::Corrupt, message, m_src->name(), m_src->baseOffset() + m_offset);
}

void BufferedCursor::need(uint64_t n)
{
    if (n > remaining())
        fail(ErrorCategory::Corrupt,
            "truncated: needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " remain",
            m_src->name(), m_src->baseOffset() + m_offset);
}

void BufferedCursor::fill(uint64_t n)
{
    if (m_offset >= m_bufStart && m_offset + n <= m_bufStart + m_buf.size())
        return;
    need(n);
    const uint64_t len = std::min<uint64_t>(std::max<uint64_t>(n, m_window), remaining());
    m_buf.resize(len);
    m_src->readAt(m_offset, m_buf);
    m_bufStart = m_offset;
}

uint8_t BufferedCursor::peek()
{
    fill(1);
    return uint8_t(m_buf[m_offset - m_bufStart]);
}

uint8_t BufferedCursor::u8()
{
    uint8_t b = peek();
    ++m_offset;
    return b;
}

uint64_t BufferedCursor::be(int n)
{
    fill(n);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
        v = (v << 8) | uint8_t(m_buf[m_offset - m_bufStart + i]);
    m_offset += n;
    return v;
}

std::string BufferedCursor::take(uint64_t n)
{
    need(n);
    std::string s(n, '\0');
    if (n <= m_window) {
        fill(n);
        std::memcpy(s.data(), m_buf.data() + (m_offset - m_bufStart), n);
    } else {
        m_src->readAt(m_offset, std::span<std::byte>(reinterpret_cast<std::byte *>(s.data()), n));
    }
    m_offset += n;
    return s;
}

void BufferedCursor::skip(uint64_t n)
{
    need(n);
    m_offset += n;
}

void BufferedCursor::seek(uint64_t offset)
{
    if (offset > size())
        error("seek past the end");
    m_offset = offset;
}

} // namespace ckpt
