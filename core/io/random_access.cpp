#include "io/random_access.h"

#include "base/error.h"

#include <cstring>

namespace ckpt {

namespace {
void checkRange(const RandomAccess &src, uint64_t offset, uint64_t length)
{
    if (offset > src.size() || length > src.size() - offset)
        fail(ErrorCategory::Corrupt,
            "needs " + std::to_string(length) + " bytes at " + std::to_string(offset) + " but only "
                + std::to_string(src.size()) + " exist",
            src.name(), src.baseOffset() + offset);
}
} // namespace

std::vector<std::byte> RandomAccess::readRange(uint64_t offset, uint64_t length) const
{
    checkRange(*this, offset, length);
    std::vector<std::byte> buf(length);
    readAt(offset, buf);
    return buf;
}

MemoryBytes::MemoryBytes(std::vector<std::byte> bytes, std::string name)
    : m_bytes(std::move(bytes))
    , m_name(std::move(name))
{ }

void MemoryBytes::readAt(uint64_t offset, std::span<std::byte> out) const
{
    checkRange(*this, offset, out.size());
    if (!out.empty())
        std::memcpy(out.data(), m_bytes.data() + offset, out.size());
}

SubRange::SubRange(RandomAccessPtr parent, uint64_t offset, uint64_t length)
    : m_parent(std::move(parent))
    , m_offset(offset)
    , m_length(length)
{
    checkRange(*m_parent, offset, length);
}

std::shared_ptr<const MappedRange> RandomAccess::map(uint64_t, uint64_t) const
{
    return nullptr;
}

std::shared_ptr<const MappedRange> SubRange::map(uint64_t offset, uint64_t length) const
{
    if (offset > m_length || length > m_length - offset)
        return nullptr;
    return m_parent->map(m_offset + offset, length);
}

void SubRange::readAt(uint64_t offset, std::span<std::byte> out) const
{
    checkRange(*this, offset, out.size());
    m_parent->readAt(m_offset + offset, out);
}

} // namespace ckpt
