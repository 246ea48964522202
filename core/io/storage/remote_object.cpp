#include "io/storage/remote_object.h"

#include "base/error.h"
#include "io/storage/remote_storage.h"

#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>

namespace ckpt {

namespace {

/// Process-wide LRU of object blocks, keyed by URL, version and block index.
class BlockCache {
public:
    static BlockCache &instance()
    {
        static BlockCache cache;
        return cache;
    }

    std::shared_ptr<const std::string> find(const std::string &id)
    {
        std::lock_guard lock(m_mutex);
        auto it = m_index.find(id);
        if (it == m_index.end())
            return nullptr;
        m_lru.splice(m_lru.begin(), m_lru, it->second);
        return it->second->second;
    }

    void insert(const std::string &id, std::shared_ptr<const std::string> block)
    {
        std::lock_guard lock(m_mutex);
        if (m_index.contains(id))
            return;
        m_bytes += block->size();
        m_lru.emplace_front(id, std::move(block));
        m_index[id] = m_lru.begin();
        while (m_bytes > RemoteObject::cacheBudget() && m_lru.size() > 1) {
            m_bytes -= m_lru.back().second->size();
            m_index.erase(m_lru.back().first);
            m_lru.pop_back();
        }
    }

private:
    using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
    std::mutex m_mutex;
    std::list<Entry> m_lru;
    std::unordered_map<std::string, std::list<Entry>::iterator> m_index;
    uint64_t m_bytes = 0;
};

} // namespace

uint64_t RemoteObject::cacheBudget()
{
    static const uint64_t budget = [] {
        const char *v
            = std::getenv("CKPT_REMOTE_CACHE_MB"); // NOLINT(concurrency-mt-unsafe): nothing in the process calls setenv
        const long mb = v ? std::strtol(v, nullptr, 10) : 0;
        return uint64_t(mb > 0 ? mb : 64) << 20;
    }();
    return budget;
}

RemoteObject::RemoteObject(std::shared_ptr<const RemoteStorage> storage, std::string key, ObjectInfo info)
    : m_storage(std::move(storage))
    , m_key(std::move(key))
    , m_info(std::move(info))
    , m_url(m_storage->urlOf(m_key))
{ }

void RemoteObject::readAt(uint64_t offset, std::span<std::byte> out) const
{
    if (out.empty())
        return;
    if (offset > m_info.size || out.size() > m_info.size - offset)
        fail(ErrorCategory::Corrupt,
            "read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) + " is past the end of "
                + m_url + " (" + std::to_string(m_info.size) + " bytes)",
            m_url, offset);
    if (out.size() >= kBlockBytes) {
        const std::string bytes = m_storage->readRange(m_key, m_info, offset, offset + out.size() - 1);
        std::memcpy(out.data(), bytes.data(), out.size());
        return;
    }
    uint64_t pos = offset;
    size_t written = 0;
    while (written < out.size()) {
        const uint64_t block = pos / kBlockBytes;
        const std::string id = m_url + '\n' + m_info.version + '\n' + std::to_string(block);
        std::shared_ptr<const std::string> bytes = BlockCache::instance().find(id);
        if (!bytes) {
            const uint64_t first = block * kBlockBytes;
            const uint64_t last = std::min(m_info.size, first + kBlockBytes) - 1;
            bytes = std::make_shared<const std::string>(m_storage->readRange(m_key, m_info, first, last));
            BlockCache::instance().insert(id, bytes);
        }
        const uint64_t inBlock = pos - block * kBlockBytes;
        const size_t n = size_t(std::min<uint64_t>(out.size() - written, bytes->size() - inBlock));
        std::memcpy(out.data() + written, bytes->data() + inBlock, n);
        written += n;
        pos += n;
    }
}

} // namespace ckpt
