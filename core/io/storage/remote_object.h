#pragma once

#include "io/random_access.h"
#include "io/storage/storage.h"

#include <memory>
#include <string>

namespace ckpt {

class RemoteStorage;

/// One object of a remote store read as RandomAccess. Small reads go through a process-wide,
/// byte-bounded cache of aligned blocks (so parsers that read metadata a few bytes at a time cost
/// one request per block); large reads are one ranged request each. Every read is pinned to the
/// version the object had when it was opened.
class RemoteObject final : public RandomAccess {
public:
    RemoteObject(std::shared_ptr<const RemoteStorage> storage, std::string key, ObjectInfo info);
    uint64_t size() const override { return m_info.size; }
    void readAt(uint64_t offset, std::span<std::byte> out) const override;
    const std::string &name() const override { return m_url; }

    /// Block size of the cache and the read size below which reads use it.
    static constexpr uint64_t kBlockBytes = 256u << 10;
    /// Total bytes the block cache holds (environment CKPT_REMOTE_CACHE_MB overrides).
    static uint64_t cacheBudget();

private:
    std::shared_ptr<const RemoteStorage> m_storage;
    std::string m_key;
    ObjectInfo m_info;
    std::string m_url;
};

} // namespace ckpt
