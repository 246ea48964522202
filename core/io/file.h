#pragma once

#include "io/random_access.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Bytes of a file mapped read-only; unmapped when the last reference goes. Read them only inside
/// guardedRun() (io/guarded_read.h): a file that shrinks under a mapping faults.
class MappedRange {
public:
    MappedRange(void *base, size_t length, std::span<const std::byte> bytes);
    ~MappedRange();
    MappedRange(const MappedRange &) = delete;
    MappedRange &operator=(const MappedRange &) = delete;
    std::span<const std::byte> bytes() const { return m_bytes; }

private:
    void *m_base;
    size_t m_length;
    std::span<const std::byte> m_bytes;
};

/// A read-only file read with pread: no shared offset, so one File may serve many threads. Large
/// ranges can also be mapped in place (map()).
class File final : public RandomAccess {
public:
    /// Opens `path` for reading; throws Exception{Io or MissingData} on failure.
    static std::shared_ptr<const File> open(const std::string &path);
    ~File();
    File(const File &) = delete;
    File &operator=(const File &) = delete;

    const std::string &path() const { return m_path; }
    const std::string &name() const override { return m_path; }
    uint64_t size() const override { return m_size; }

    /// Reads exactly out.size() bytes at `offset`; throws Exception{Corrupt} when the file is shorter
    /// (truncated) and Exception{Io} on an OS error.
    void readAt(uint64_t offset, std::span<std::byte> out) const override;
    std::vector<std::byte> readAll() const { return readRange(0, m_size); }
    /// Null when the range is small, outside the file, or cannot be mapped.
    std::shared_ptr<const MappedRange> map(uint64_t offset, uint64_t length) const override;

private:
    File(std::string path, int fd, uint64_t size);
    std::string m_path;
    int m_fd = -1;
    uint64_t m_size = 0;
};

using FilePtr = std::shared_ptr<const File>;

/// True when `path` is a regular file (links followed); false when it is anything else or cannot
/// be looked at. Never throws.
bool isFile(const std::string &path);
/// True when `path` is a directory (links followed); false when it is anything else or cannot be
/// looked at. Never throws.
bool isDir(const std::string &path);

/// Reads a whole small file (metadata); throws like File::open. Refuses files over `maxBytes`.
std::string readTextFile(const std::string &path, uint64_t maxBytes = 256u << 20);

} // namespace ckpt
