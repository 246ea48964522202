#pragma once

#include "io/kvstore/kvstore.h"
#include "io/random_access.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// The one way core code looks at a path: each function takes a local path or a storage URL
/// (storage/storage_url.h) and does the same thing on both. Local paths keep the pread/mmap
/// file path; URLs go through the bucket's Storage and its caches.

/// True when `path` is a regular file (local: links followed) or an object. Never throws for a
/// local path; a URL may throw Exception{Auth, Io} when the server cannot be asked.
bool pathIsFile(const std::string &path);

/// True when `path` is a directory, or a prefix with objects under it.
bool pathIsDir(const std::string &path);

/// One entry of a folder.
struct PathEntry {
    std::string name; ///< file or folder name, no '/'
    bool isDir = false;
    uint64_t size = 0; ///< bytes of a file; 0 for folders
};

/// The entries of folder `dir`, sorted by name; empty when it is not a folder.
std::vector<PathEntry> listPath(const std::string &dir);

/// Every file below `dir` (recursively) as a path relative to it, with its size; sorted.
std::vector<PathEntry> listPathRecursive(const std::string &dir);

/// The file's bytes, read lazily. Throws Exception{MissingData} when there is no such file.
RandomAccessPtr openPath(const std::string &path);

/// A whole small file (metadata); refuses files over `maxBytes` with Exception{Unsupported}.
std::string readPathText(const std::string &path, uint64_t maxBytes = 256u << 20);

/// Size of the file, or nullopt when it does not exist.
std::optional<uint64_t> pathFileSize(const std::string &path);

/// `dir` joined with the relative `name` ('/'-separated), for paths and URLs alike.
std::string joinPath(const std::string &dir, const std::string &name);

/// The last segment of `path` ("step_5" of "gs://b/run/step_5/").
std::string pathName(const std::string &path);

/// The folder holding `path` (local: parent_path; URL: up to the last '/'); empty at the top.
std::string pathParent(const std::string &path);

/// Makes the next questions about `dir` and below ask the storage server again instead of its
/// caches (no-op for local paths, which are never cached).
void refreshPath(const std::string &dir);

/// A key-value store over the files below folder `root` (zarr arrays, OCDBT databases):
/// DirectoryKvStore for a local path, a store over the bucket's objects for a URL.
KvStorePtr openFolderStore(const std::string &root);

} // namespace ckpt
