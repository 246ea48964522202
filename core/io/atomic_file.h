#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ckpt {

/// Writes a file so that readers see either the old state or the complete new file: data goes to
/// a temporary sibling (`.<name>.ckpt-tmp-<pid>-<n>`), is fsynced, then renamed over `path` and the
/// directory is fsynced. Destroying the writer without commit() removes the temporary file.
/// Not thread-safe.
class AtomicFileWriter {
public:
    /// Throws Exception{InvalidArgument} when `path` exists and `overwrite` is false, {Io} when the
    /// folder cannot be written.
    AtomicFileWriter(std::string path, bool overwrite);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

    void write(std::span<const std::byte> data);
    void write(const void *data, size_t n)
    {
        write(std::span<const std::byte>(static_cast<const std::byte *>(data), n));
    }
    uint64_t written() const { return m_written; }
    /// Writes everything write() buffered, so writeAt() may follow.
    void flushBuffered() { flush(); }
    /// Writes `data` at byte `offset` of the file (pwrite), past what write() wrote. Unlike the rest
    /// of the class this may be called from many threads at once, for disjoint ranges, once
    /// flushBuffered() has run and until commit(). Throws Exception{Io}.
    void writeAt(uint64_t offset, std::span<const std::byte> data) const;
    /// fsync + rename + directory fsync. Throws Exception{Io} (e.g. disk full) and leaves no output.
    void commit();

    const std::string &tempPath() const { return m_tmp; }

private:
    void flush();
    std::string m_path;
    std::string m_tmp;
    bool m_overwrite;
    int m_fd = -1;
    bool m_committed = false;
    uint64_t m_written = 0;
    std::string m_buf;
};

/// Messages of the InvalidArgument errors for a destination that exists when replacing it was not
/// allowed (AtomicFileWriter's `overwrite`, ExportOptions::force). They say what is wrong; callers
/// add how to allow it (the CLI names --force).
inline constexpr const char *kDestinationExists = "destination exists";
inline constexpr const char *kDestinationAppeared = "destination appeared while writing";

/// fsyncs a directory so a rename inside it is durable. Throws Exception{Io}.
void syncDirectory(const std::string &dir);

} // namespace ckpt
