#include "io/kvstore/storage_kvstore.h"

#include "io/kvstore/directory_kvstore.h"

namespace ckpt {

StorageKvStore::StorageKvStore(StoragePtr storage, std::string root)
    : m_storage(std::move(storage))
    , m_root(std::move(root))
{ }

std::string StorageKvStore::fullKey(const std::string &key) const
{
    validateStoreKey(key);
    return m_root.empty() ? key : m_root + "/" + key;
}

RandomAccessPtr StorageKvStore::get(const std::string &key) const
{
    const std::string full = fullKey(key);
    if (m_storage->canList())
        (void)m_storage->list(m_root.empty() ? std::string() : m_root + "/", false); // fills the stat cache
    const auto info = m_storage->stat(full);
    if (!info)
        return nullptr;
    return m_storage->open(full, *info);
}

std::vector<std::string> StorageKvStore::list(const std::string &prefix) const
{
    const std::string base = m_root.empty() ? std::string() : m_root + "/";
    const StorageListing all = m_storage->list(base, false);
    std::vector<std::string> keys;
    for (const ListedObject &o : all.objects) {
        std::string rel = o.key.substr(base.size());
        if (rel.starts_with(prefix))
            keys.push_back(std::move(rel));
    }
    return keys; // the listing is sorted by key, and so are suffixes of a common prefix
}

std::string StorageKvStore::describe() const
{
    return "storage:" + m_storage->urlOf(m_root);
}

std::string StorageKvStore::fingerprint(const std::string &key) const
{
    const std::string full = fullKey(key);
    const auto info = m_storage->stat(full);
    if (!info)
        return {};
    return m_storage->urlOf(full) + ":" + info->version + ":" + std::to_string(info->size);
}

} // namespace ckpt
