#pragma once

#include "io/random_access.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// A read-only file read with pread: no shared offset, so one File may serve many threads.
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

private:
    File(std::string path, int fd, uint64_t size);
    std::string m_path;
    int m_fd = -1;
    uint64_t m_size = 0;
};

using FilePtr = std::shared_ptr<const File>;

/// Reads a whole small file (metadata); throws like File::open. Refuses files over `maxBytes`.
std::string readTextFile(const std::string &path, uint64_t maxBytes = 256u << 20);

} // namespace ckpt
