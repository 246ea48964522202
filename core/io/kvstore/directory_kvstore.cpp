#include "io/kvstore/directory_kvstore.h"

#include "base/error.h"
#include "io/file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>

namespace ckpt {

namespace fs = std::filesystem;

void validateStoreKey(const std::string &key)
{
    auto refuse = [&key](const char *why) {
        fail(ErrorCategory::InvalidArgument, "store key \"" + key + "\" refused: " + why);
    };
    if (key.empty())
        refuse("empty key");
    if (key.front() == '/')
        refuse("absolute path");
    if (key.find('\\') != std::string::npos)
        refuse("backslash");
    if (key.find('\0') != std::string::npos)
        refuse("NUL byte");
    size_t start = 0;
    for (;;) {
        const size_t end = key.find('/', start);
        const std::string_view seg = std::string_view(key).substr(start, end == std::string::npos ? end : end - start);
        if (seg.empty())
            refuse("empty path segment");
        if (seg == "." || seg == "..")
            refuse("'.' or '..' path segment");
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
}

std::shared_ptr<const DirectoryKvStore> DirectoryKvStore::open(const std::string &root)
{
    struct stat st { };
    if (::stat(root.c_str(), &st) != 0) {
        const int err = errno;
        fail(err == ENOENT ? ErrorCategory::MissingData : ErrorCategory::Io,
            std::string("cannot open directory: ") + std::strerror(err), root);
    }
    if (!S_ISDIR(st.st_mode))
        fail(ErrorCategory::InvalidArgument, "not a directory", root);
    std::string r = root;
    while (r.size() > 1 && r.back() == '/')
        r.pop_back();
    return std::shared_ptr<const DirectoryKvStore>(new DirectoryKvStore(std::move(r)));
}

DirectoryKvStore::DirectoryKvStore(std::string root)
    : m_root(std::move(root))
{ }

std::string DirectoryKvStore::pathOf(const std::string &key) const
{
    validateStoreKey(key);
    return m_root == "/" ? "/" + key : m_root + "/" + key;
}

RandomAccessPtr DirectoryKvStore::get(const std::string &key) const
{
    const std::string path = pathOf(key);
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            return nullptr;
        fail(ErrorCategory::Io, std::string("cannot stat: ") + std::strerror(err), path);
    }
    if (!S_ISREG(st.st_mode))
        return nullptr;
    return File::open(path);
}

std::vector<std::string> DirectoryKvStore::list(const std::string &prefix) const
{
    // Walk only the deepest directory the prefix names completely.
    std::string startKey;
    if (const size_t slash = prefix.rfind('/'); slash != std::string::npos) {
        startKey = prefix.substr(0, slash);
        try {
            validateStoreKey(startKey);
        } catch (const Exception &) {
            return {}; // no valid key can start with this prefix
        }
    }
    const fs::path start = startKey.empty() ? fs::path(m_root) : fs::path(m_root) / startKey;
    std::vector<std::string> keys;
    std::error_code ec;
    if (!fs::is_directory(start, ec))
        return keys;
    fs::recursive_directory_iterator it(start, fs::directory_options::none, ec), end;
    if (ec)
        fail(ErrorCategory::Io, "cannot list directory: " + ec.message(), start.string());
    const size_t rootLen = m_root == "/" ? 1 : m_root.size() + 1;
    for (; it != end; it.increment(ec)) {
        if (ec)
            fail(ErrorCategory::Io, "cannot list directory: " + ec.message(), start.string());
        std::error_code fec;
        if (!it->is_regular_file(fec))
            continue;
        std::string key = it->path().string().substr(rootLen);
        if (key.compare(0, prefix.size(), prefix) == 0)
            keys.push_back(std::move(key));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::string DirectoryKvStore::describe() const
{
    return "dir:" + m_root;
}

std::string DirectoryKvStore::fingerprint(const std::string &key) const
{
    const std::string path = pathOf(key);
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return {};
    const int64_t mtimeNs = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return "file:" + path + ":" + std::to_string(st.st_size) + ":" + std::to_string(mtimeNs);
}

} // namespace ckpt
