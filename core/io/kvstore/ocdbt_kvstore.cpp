#include "io/kvstore/ocdbt_kvstore.h"

#include "base/error.h"
#include "io/kvstore/ocdbt_btree.h"

#include <algorithm>
#include <map>

namespace ckpt {

namespace {
// Upper bound on a decoded B+tree node, also when the config sets none (0) or more.
constexpr uint64_t kDefaultMaxNodeBytes = 1u << 30;
} // namespace

OcdbtKvStore::OcdbtKvStore(std::string dir)
    : m_dir(std::move(dir))
    , m_files(m_dir)
{ }

std::shared_ptr<const OcdbtKvStore> OcdbtKvStore::open(const std::string &dirIn)
{
    std::string dir = dirIn;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    std::shared_ptr<OcdbtKvStore> store(new OcdbtKvStore(dir));
    const auto mf = readOcdbtCurrentManifest(dir);
    store->m_manifestPath = mf.path;
    store->m_config = mf.manifest.config;
    store->m_version = mf.manifest.versions.back(); // inline versions are the newest; the last is current
    const OcdbtVersion &v = store->m_version;
    if (!v.root.missing())
        store->indexNode(mf.manifest.dataFiles[v.root.fileId], v.root, v.rootHeight, {}, {}, mf.path, 0);
    return store;
}

void OcdbtKvStore::indexNode(const OcdbtDataFile &file, const OcdbtRef &ref, uint8_t height, const std::string &prefix,
    const std::string &minKey, const std::string &referrer, uint64_t referrerOffset)
{
    const auto bytes = readOcdbtObject(m_files, file, ref, referrer, referrerOffset);
    const std::string path = m_files.absolute(file.path());
    const uint64_t maxBytes = m_config.maxDecodedNodeBytes
        ? std::min<uint64_t>(m_config.maxDecodedNodeBytes, kDefaultMaxNodeBytes)
        : kDefaultMaxNodeBytes;
    const OcdbtBtreeNode node = decodeOcdbtBtreeNode(bytes, file.basePath, maxBytes, path, ref.offset);
    if (node.height != height)
        fail(ErrorCategory::Corrupt,
            "b-tree node has height " + std::to_string(node.height) + ", its parent says " + std::to_string(height),
            path, ref.offset);
    const std::string &firstKey = height == 0 ? node.leaves.front().key : node.children.front().key;
    if (prefix + firstKey < minKey)
        fail(ErrorCategory::Corrupt, "b-tree node's first key is below the key its parent gives it", path, ref.offset);

    if (height > 0) {
        for (const auto &c : node.children)
            indexNode(node.dataFiles[c.child.fileId], c.child, uint8_t(height - 1),
                prefix + c.key.substr(0, size_t(c.subtreeCommonPrefixLength)), prefix + c.key, path, ref.offset);
        return;
    }
    std::map<uint64_t, uint32_t> fileIndex; // node table id -> m_valueFiles index
    for (const auto &e : node.leaves) {
        std::string key = prefix + e.key;
        if (!m_entries.empty() && !(m_entries.back().key < key))
            fail(ErrorCategory::Corrupt, "key \"" + key + "\" is out of order or repeated in the b-tree", path,
                ref.offset);
        Entry entry;
        if (e.outOfLine) {
            auto it = fileIndex.find(e.ref.fileId);
            if (it == fileIndex.end()) {
                const std::string rel = node.dataFiles[e.ref.fileId].path();
                validateOcdbtDataFilePath(rel, path, ref.offset);
                auto [known, added] = m_valueFileIndex.emplace(rel, uint32_t(m_valueFiles.size()));
                if (added)
                    m_valueFiles.push_back(rel);
                it = fileIndex.emplace(e.ref.fileId, known->second).first;
            }
            entry.file = it->second;
            entry.offset = e.ref.offset;
            entry.length = e.ref.length;
        } else {
            entry.length = e.value.size();
            entry.inlineValue = std::make_shared<const MemoryBytes>(e.value, describe() + "/" + key);
        }
        entry.key = std::move(key);
        m_entries.push_back(std::move(entry));
    }
}

const OcdbtKvStore::Entry *OcdbtKvStore::find(const std::string &key) const
{
    auto it = std::lower_bound(
        m_entries.begin(), m_entries.end(), key, [](const Entry &e, const std::string &k) { return e.key < k; });
    return it != m_entries.end() && it->key == key ? &*it : nullptr;
}

RandomAccessPtr OcdbtKvStore::get(const std::string &key) const
{
    const Entry *e = find(key);
    if (!e)
        return nullptr;
    if (e->inlineValue)
        return e->inlineValue;
    auto f = m_files.open(m_valueFiles[e->file], m_manifestPath, 0);
    if (e->offset > f->size() || e->length > f->size() - e->offset)
        fail(ErrorCategory::Corrupt,
            "value of key \"" + key + "\" needs bytes [" + std::to_string(e->offset) + ", +" + std::to_string(e->length)
                + ") but the data file has " + std::to_string(f->size()),
            f->name(), e->offset);
    return std::make_shared<const SubRange>(f, e->offset, e->length);
}

std::vector<std::string> OcdbtKvStore::list(const std::string &prefix) const
{
    std::vector<std::string> keys;
    auto it = std::lower_bound(
        m_entries.begin(), m_entries.end(), prefix, [](const Entry &e, const std::string &k) { return e.key < k; });
    for (; it != m_entries.end() && it->key.compare(0, prefix.size(), prefix) == 0; ++it)
        keys.push_back(it->key);
    return keys;
}

std::string OcdbtKvStore::describe() const
{
    return "ocdbt:" + m_dir;
}

std::string OcdbtKvStore::fingerprint(const std::string &key) const
{
    const Entry *e = find(key);
    if (!e || e->inlineValue)
        return {};
    return m_files.absolute(m_valueFiles[e->file]) + ":" + std::to_string(e->offset) + ":" + std::to_string(e->length);
}

size_t OcdbtKvStore::outOfLineCount() const
{
    return size_t(std::count_if(m_entries.begin(), m_entries.end(), [](const Entry &e) { return !e.inlineValue; }));
}

std::vector<std::string> OcdbtKvStore::valueFiles() const
{
    std::vector<std::string> out;
    for (const auto &f : m_valueFiles)
        out.push_back(m_files.absolute(f));
    std::sort(out.begin(), out.end());
    return out;
}

std::shared_ptr<const OcdbtKvStore> openOcdbtProcessDatabase(const std::string &itemDir, const std::string &processId)
{
    return OcdbtKvStore::open(itemDir + "/ocdbt.process_" + processId);
}

} // namespace ckpt
