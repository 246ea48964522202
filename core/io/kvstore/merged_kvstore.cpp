#include "io/kvstore/merged_kvstore.h"

#include <algorithm>

namespace ckpt {

MergedKvStore::MergedKvStore(std::vector<KvStorePtr> parts)
    : m_parts(std::move(parts))
{ }

RandomAccessPtr MergedKvStore::get(const std::string &key) const
{
    for (const auto &p : m_parts)
        if (auto v = p->get(key))
            return v;
    return nullptr;
}

std::vector<std::string> MergedKvStore::list(const std::string &prefix) const
{
    std::vector<std::string> keys;
    for (const auto &p : m_parts) {
        auto k = p->list(prefix);
        keys.insert(keys.end(), k.begin(), k.end());
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

std::string MergedKvStore::describe() const
{
    std::string s;
    for (const auto &p : m_parts)
        s += (s.empty() ? "" : " + ") + p->describe();
    return s;
}

std::string MergedKvStore::fingerprint(const std::string &key) const
{
    for (const auto &p : m_parts)
        if (p->get(key))
            return p->fingerprint(key);
    return {};
}

} // namespace ckpt
