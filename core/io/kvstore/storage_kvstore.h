#pragma once

#include "io/kvstore/kvstore.h"
#include "io/storage/storage.h"

#include <string>

namespace ckpt {

/// The objects below folder `root` of a Storage as a KvStore (key "a/0" is object root/a/0),
/// for zarr arrays and OCDBT databases in buckets. The first get() or list() lists the folder
/// once, recursively; later lookups are answered from that listing.
class StorageKvStore final : public KvStore {
public:
    /// `root` is a key prefix without a trailing '/' (empty for the whole bucket).
    StorageKvStore(StoragePtr storage, std::string root);

    RandomAccessPtr get(const std::string &key) const override;
    std::vector<std::string> list(const std::string &prefix = {}) const override;
    std::string describe() const override;
    /// "<url>:<version>:<size>", empty when the key does not exist.
    std::string fingerprint(const std::string &key) const override;

private:
    std::string fullKey(const std::string &key) const;
    StoragePtr m_storage;
    std::string m_root;
};

} // namespace ckpt
