#include "io/file.h"

#include "base/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ckpt {

bool isFile(const std::string &path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDir(const std::string &path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::shared_ptr<const File> File::open(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        fail(err == ENOENT ? ErrorCategory::MissingData : ErrorCategory::Io,
            std::string("cannot open: ") + std::strerror(err), path);
    }
    struct stat st { };
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        fail(ErrorCategory::Io, std::string("cannot stat: ") + std::strerror(err), path);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        fail(ErrorCategory::InvalidArgument, "is a directory, expected a file", path);
    }
    return std::shared_ptr<const File>(new File(path, fd, uint64_t(st.st_size)));
}

File::File(std::string path, int fd, uint64_t size)
    : m_path(std::move(path))
    , m_fd(fd)
    , m_size(size)
{ }

File::~File()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

MappedRange::MappedRange(void *base, size_t length, std::span<const std::byte> bytes)
    : m_base(base)
    , m_length(length)
    , m_bytes(bytes)
{ }

MappedRange::~MappedRange()
{
    ::munmap(m_base, m_length);
}

std::shared_ptr<const MappedRange> File::map(uint64_t offset, uint64_t length) const
{
    if (length < kMinMapBytes || offset > m_size || length > m_size - offset)
        return nullptr;
    static const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
    const uint64_t start = offset / page * page, span = length + (offset - start);
    void *p = ::mmap(nullptr, size_t(span), PROT_READ, MAP_SHARED, m_fd, off_t(start));
    if (p == MAP_FAILED)
        return nullptr; // reading still works
    const auto *bytes = static_cast<const std::byte *>(p) + (offset - start);
    return std::make_shared<MappedRange>(p, size_t(span), std::span<const std::byte>(bytes, size_t(length)));
}

void File::readAt(uint64_t offset, std::span<std::byte> out) const
{
    if (offset > m_size || out.size() > m_size - offset)
        fail(ErrorCategory::Corrupt,
            "needs " + std::to_string(out.size()) + " bytes but the file ends at " + std::to_string(m_size), m_path,
            offset);
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(m_fd, out.data() + done, out.size() - done, off_t(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(ErrorCategory::Io, std::string("read failed: ") + std::strerror(errno), m_path, offset + done);
        }
        if (n == 0)
            fail(ErrorCategory::Corrupt, "file shrank while reading", m_path, offset + done);
        done += size_t(n);
    }
}

std::string readTextFile(const std::string &path, uint64_t maxBytes)
{
    auto f = File::open(path);
    if (f->size() > maxBytes)
        fail(ErrorCategory::Unsupported,
            "metadata file of " + std::to_string(f->size()) + " bytes is larger than the limit", path);
    auto bytes = f->readAll();
    return std::string(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

} // namespace ckpt
