#pragma once

#include "io/kvstore/kvstore.h"

#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// Throws Exception{InvalidArgument} unless `key` is a relative '/'-separated path with no empty,
/// "." or ".." segment, no backslash and no NUL byte (so it can never leave a store's root).
void validateStoreKey(const std::string &key);

/// A key-value store over plain files: key "a/b/0" is the file <root>/a/b/0 (non-OCDBT zarr
/// arrays, `_METADATA` and friends). Reads are lazy (pread); immutable and thread-safe.
class DirectoryKvStore final : public KvStore {
public:
    /// Opens `root`; throws Exception{MissingData} if it does not exist, {InvalidArgument} if it is not
    /// a directory.
    static std::shared_ptr<const DirectoryKvStore> open(const std::string &root);

    /// The file behind `key` (a File, read lazily), or null when no regular file has that name.
    /// Throws Exception{InvalidArgument} for keys refused by validateStoreKey().
    RandomAccessPtr get(const std::string &key) const override;
    /// Regular files under root whose key starts with `prefix`, recursively, sorted bytewise.
    /// Directory symlinks are not followed.
    std::vector<std::string> list(const std::string &prefix = {}) const override;
    /// "dir:<root>".
    std::string describe() const override;
    /// "file:<path>:<size>:<mtime ns>", empty when the key does not exist.
    std::string fingerprint(const std::string &key) const override;

    const std::string &root() const { return m_root; }

private:
    explicit DirectoryKvStore(std::string root);
    std::string pathOf(const std::string &key) const;
    std::string m_root; ///< without a trailing '/'
};

} // namespace ckpt
