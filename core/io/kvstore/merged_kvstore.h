#pragma once

#include "io/kvstore/kvstore.h"

#include <string>
#include <vector>

namespace ckpt {

/// Read-only union of several stores (the per-process OCDBT databases of one item, opened when the
/// merged root database is unusable). A key is looked up in each store in order; the first hit
/// wins. Immutable and thread-safe when the parts are.
class MergedKvStore final : public KvStore {
public:
    explicit MergedKvStore(std::vector<KvStorePtr> parts);
    RandomAccessPtr get(const std::string &key) const override;
    std::vector<std::string> list(const std::string &prefix = {}) const override;
    std::string describe() const override;
    std::string fingerprint(const std::string &key) const override;

private:
    std::vector<KvStorePtr> m_parts;
};

} // namespace ckpt
