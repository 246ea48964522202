#include "io/atomic_file.h"

#include "base/error.h"
#include "io/temp_sibling.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ckpt {
namespace {
constexpr size_t kBufferBytes = 4u << 20;

[[noreturn]] void ioFail(const std::string &what, const std::string &path)
{
    const int err = errno;
    fail(ErrorCategory::Io, what + ": " + std::strerror(err), path);
}
} // namespace

AtomicFileWriter::AtomicFileWriter(std::string path, bool overwrite)
    : m_path(std::move(path))
    , m_overwrite(overwrite)
{
    std::error_code ec;
    if (!overwrite && fs::exists(m_path, ec))
        fail(ErrorCategory::InvalidArgument, kDestinationExists, m_path);
    removeStaleTempSiblings(m_path);
    m_tmp = tempSiblingPath(m_path).string();
    m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (m_fd < 0)
        ioFail("cannot create a temporary file", m_tmp);
}

AtomicFileWriter::~AtomicFileWriter()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_committed)
        ::unlink(m_tmp.c_str());
}

void AtomicFileWriter::flush()
{
    size_t done = 0;
    while (done < m_buf.size()) {
        ssize_t n = ::write(m_fd, m_buf.data() + done, m_buf.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ioFail("write failed", m_tmp);
        }
        done += size_t(n);
    }
    m_buf.clear();
}

void AtomicFileWriter::writeAt(uint64_t offset, std::span<const std::byte> data) const
{
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(m_fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ioFail("write failed", m_tmp);
        }
        done += size_t(n);
    }
}

void AtomicFileWriter::write(std::span<const std::byte> data)
{
    if (m_committed)
        fail(ErrorCategory::InvalidArgument, "write after commit", m_path);
    m_written += data.size();
    if (m_buf.size() + data.size() > kBufferBytes)
        flush();
    if (data.size() >= kBufferBytes) {
        m_buf.assign(reinterpret_cast<const char *>(data.data()), data.size());
        flush();
        return;
    }
    m_buf.append(reinterpret_cast<const char *>(data.data()), data.size());
}

void AtomicFileWriter::commit()
{
    flush();
    if (::fsync(m_fd) != 0)
        ioFail("fsync failed", m_tmp);
    if (::close(m_fd) != 0) {
        m_fd = -1;
        ioFail("close failed", m_tmp);
    }
    m_fd = -1;
    std::error_code ec;
    if (!m_overwrite && fs::exists(m_path, ec))
        fail(ErrorCategory::InvalidArgument, kDestinationAppeared, m_path);
    if (::rename(m_tmp.c_str(), m_path.c_str()) != 0)
        ioFail("cannot move the finished file into place", m_path);
    m_committed = true;
    const fs::path p(m_path);
    syncDirectory(p.has_parent_path() ? p.parent_path().string() : std::string("."));
}

void syncDirectory(const std::string &dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        ioFail("cannot open directory", dir);
    ::fsync(fd);
    ::close(fd);
}

} // namespace ckpt
