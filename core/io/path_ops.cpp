#include "io/path_ops.h"

#include "base/error.h"
#include "io/file.h"
#include "io/kvstore/directory_kvstore.h"
#include "io/kvstore/storage_kvstore.h"
#include "io/storage/storage_url.h"

#include <algorithm>
#include <filesystem>

namespace ckpt {

namespace fs = std::filesystem;

namespace {

struct Remote {
    StoragePtr storage;
    std::string key;
};

Remote remote(const std::string &url)
{
    const StorageUrl u = parseStorageUrl(url);
    return {storageFor(u), u.key};
}

std::string folderPrefix(const std::string &key)
{
    return key.empty() ? std::string() : key + "/";
}

} // namespace

bool pathIsFile(const std::string &path)
{
    if (!isStorageUrl(path))
        return isFile(path);
    const Remote r = remote(path);
    return !r.key.empty() && r.storage->stat(r.key).has_value();
}

bool pathIsDir(const std::string &path)
{
    if (!isStorageUrl(path))
        return isDir(path);
    const Remote r = remote(path);
    if (r.key.empty())
        return true;
    const size_t slash = r.key.rfind('/');
    const std::string parent = slash == std::string::npos ? std::string() : r.key.substr(0, slash + 1);
    try {
        const StorageListing l = r.storage->list(parent, true);
        return std::binary_search(l.prefixes.begin(), l.prefixes.end(), r.key + "/");
    } catch (const Exception &e) {
        if (e.error().category != ErrorCategory::Unsupported)
            throw;
        // No index page to ask (a plain web server): whatever is not a file may be a folder.
        return !r.storage->stat(r.key).has_value();
    }
}

std::vector<PathEntry> listPath(const std::string &dir)
{
    std::vector<PathEntry> out;
    if (!isStorageUrl(dir)) {
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(dir, ec)) {
            PathEntry p;
            p.name = e.path().filename().string();
            p.isDir = isDir(e.path().string());
            if (!p.isDir && !isFile(e.path().string()))
                continue; // sockets, broken links, ...
            if (!p.isDir)
                p.size = e.file_size(ec);
            ec.clear();
            out.push_back(std::move(p));
        }
    } else {
        const Remote r = remote(dir);
        const std::string base = folderPrefix(r.key);
        const StorageListing l = r.storage->list(base, true);
        for (const ListedObject &o : l.objects)
            if (o.key.size() > base.size())
                out.push_back({o.key.substr(base.size()), false, o.info.size});
        for (const std::string &p : l.prefixes)
            if (p.size() > base.size() + 1)
                out.push_back({p.substr(base.size(), p.size() - base.size() - 1), true, 0});
    }
    std::sort(out.begin(), out.end(), [](const PathEntry &a, const PathEntry &b) { return a.name < b.name; });
    return out;
}

std::vector<PathEntry> listPathRecursive(const std::string &dir)
{
    std::vector<PathEntry> out;
    if (!isStorageUrl(dir)) {
        std::error_code ec;
        const fs::path root(dir);
        for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec)
                break;
            std::error_code fec;
            if (it->is_regular_file(fec))
                out.push_back({it->path().lexically_relative(root).generic_string(), false, it->file_size(fec)});
        }
    } else {
        const Remote r = remote(dir);
        const std::string base = folderPrefix(r.key);
        for (const ListedObject &o : r.storage->list(base, false).objects)
            if (o.key.size() > base.size())
                out.push_back({o.key.substr(base.size()), false, o.info.size});
    }
    std::sort(out.begin(), out.end(), [](const PathEntry &a, const PathEntry &b) { return a.name < b.name; });
    return out;
}

RandomAccessPtr openPath(const std::string &path)
{
    if (!isStorageUrl(path))
        return File::open(path);
    const Remote r = remote(path);
    const auto info = r.key.empty() ? std::nullopt : r.storage->stat(r.key);
    if (!info)
        fail(ErrorCategory::MissingData, "no such object: " + path, path);
    return r.storage->open(r.key, *info);
}

std::string readPathText(const std::string &path, uint64_t maxBytes)
{
    if (!isStorageUrl(path))
        return readTextFile(path, maxBytes);
    const RandomAccessPtr bytes = openPath(path);
    if (bytes->size() > maxBytes)
        fail(ErrorCategory::Unsupported,
            "metadata file of " + std::to_string(bytes->size()) + " bytes is larger than the "
                + std::to_string(maxBytes) + " bytes read whole",
            path);
    std::string text(size_t(bytes->size()), '\0');
    bytes->readAt(0, std::as_writable_bytes(std::span(text)));
    return text;
}

std::optional<uint64_t> pathFileSize(const std::string &path)
{
    if (!isStorageUrl(path)) {
        std::error_code ec;
        if (!isFile(path))
            return std::nullopt;
        const auto n = fs::file_size(path, ec);
        return ec ? std::nullopt : std::optional<uint64_t>(n);
    }
    const Remote r = remote(path);
    const auto info = r.key.empty() ? std::nullopt : r.storage->stat(r.key);
    return info ? std::optional<uint64_t>(info->size) : std::nullopt;
}

std::string joinPath(const std::string &dir, const std::string &name)
{
    if (isStorageUrl(dir))
        return joinStorageUrl(dir, name);
    return (fs::path(dir) / name).string();
}

std::string pathName(const std::string &path)
{
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    const size_t slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string pathParent(const std::string &path)
{
    if (!isStorageUrl(path))
        return fs::path(path).parent_path().string();
    std::string p = path;
    while (!p.empty() && p.back() == '/')
        p.pop_back();
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash < p.find("://") + 3)
        return {};
    return p.substr(0, slash);
}

void refreshPath(const std::string &dir)
{
    if (!isStorageUrl(dir))
        return;
    const Remote r = remote(dir);
    r.storage->refresh(folderPrefix(r.key));
}

KvStorePtr openFolderStore(const std::string &root)
{
    if (!isStorageUrl(root))
        return DirectoryKvStore::open(root);
    const Remote r = remote(root);
    return std::make_shared<StorageKvStore>(r.storage, r.key);
}

} // namespace ckpt
