#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

class MappedRange;

/// Immutable bytes that can be read at any offset from any thread: a file, a buffer, a value
/// inside an OCDBT data file. Reads past the end throw Exception{Corrupt} naming name() and the offset.
class RandomAccess {
public:
    virtual ~RandomAccess() = default;
    virtual uint64_t size() const = 0;
    virtual void readAt(uint64_t offset, std::span<std::byte> out) const = 0;
    /// File path (or description) used in error messages.
    virtual const std::string &name() const = 0;
    /// Offset of byte 0 of this source inside the file name() refers to (for error offsets).
    virtual uint64_t baseOffset() const { return 0; }
    /// The bytes [offset, offset + length) mapped in place, without a copy, where this source is
    /// (inside) a file and the range is at least kMinMapBytes; null otherwise (use readAt). Mapped
    /// bytes may only be read inside guardedRun() (io/guarded_read.h).
    virtual std::shared_ptr<const MappedRange> map(uint64_t offset, uint64_t length) const;
    /// Smaller ranges are cheaper to copy than to map.
    static constexpr uint64_t kMinMapBytes = 256u << 10;

    /// Reads `length` bytes at `offset` into a new buffer, after checking they exist.
    std::vector<std::byte> readRange(uint64_t offset, uint64_t length) const;
};

using RandomAccessPtr = std::shared_ptr<const RandomAccess>;

/// Bytes held in memory.
class MemoryBytes final : public RandomAccess {
public:
    MemoryBytes(std::vector<std::byte> bytes, std::string name);
    uint64_t size() const override { return m_bytes.size(); }
    void readAt(uint64_t offset, std::span<std::byte> out) const override;
    const std::string &name() const override { return m_name; }
    std::span<const std::byte> bytes() const { return m_bytes; }

private:
    std::vector<std::byte> m_bytes;
    std::string m_name;
};

/// A window [offset, offset+length) of another source.
class SubRange final : public RandomAccess {
public:
    /// Throws Exception{Corrupt} if the window does not fit inside `parent`.
    SubRange(RandomAccessPtr parent, uint64_t offset, uint64_t length);
    uint64_t size() const override { return m_length; }
    void readAt(uint64_t offset, std::span<std::byte> out) const override;
    const std::string &name() const override { return m_parent->name(); }
    uint64_t baseOffset() const override { return m_parent->baseOffset() + m_offset; }
    std::shared_ptr<const MappedRange> map(uint64_t offset, uint64_t length) const override;

private:
    RandomAccessPtr m_parent;
    uint64_t m_offset;
    uint64_t m_length;
};

} // namespace ckpt
