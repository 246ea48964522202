#pragma once

#include "io/random_access.h"

#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// Read-only key-value store: a directory of files, an OCDBT database, or memory.
/// Keys are byte strings using '/' as a separator (zarr and Orbax conventions).
/// Implementations are immutable after open and safe to use from many threads.
class KvStore {
public:
    virtual ~KvStore() = default;

    /// Value of `key`, or null when the key does not exist. The returned source may read lazily
    /// (an out-of-line OCDBT value, a file); reading it may throw Exception{MissingData, Corrupt}.
    virtual RandomAccessPtr get(const std::string &key) const = 0;

    /// Every key that starts with `prefix`, sorted bytewise.
    virtual std::vector<std::string> list(const std::string &prefix = {}) const = 0;

    /// For people and error messages: "ocdbt:/path/item" or "dir:/path".
    virtual std::string describe() const = 0;

    /// An identity for the stored bytes of `key` (file+offset+length) that is equal for equal
    /// storage, so diff can skip decoding identical chunks. Empty when unknown.
    virtual std::string fingerprint(const std::string &key) const
    {
        (void)key;
        return {};
    }
};

using KvStorePtr = std::shared_ptr<const KvStore>;

} // namespace ckpt
