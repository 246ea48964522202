#pragma once

#include "io/kvstore/kvstore.h"
#include "io/kvstore/ocdbt_database.h"
#include "io/kvstore/ocdbt_manifest.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ckpt {

/// Read-only view of the latest version of a TensorStore OCDBT database (docs/formats.md §4): the
/// folder holding `manifest.ocdbt` (an Orbax item directory, or one `ocdbt.process_<i>/`).
/// open() reads the manifest and every B+tree node, verifying each CRC, and indexes all keys, so
/// get() and list() do no I/O; out-of-line values are read lazily from their data files (opened
/// once, shared). Immutable after open and safe to use from many threads.
class OcdbtKvStore final : public KvStore {
public:
    /// Opens the database in `dir`. Throws Exception{MissingData} when the manifest or a node file
    /// is missing (naming the path), {Corrupt} for bad bytes (naming file and offset), including
    /// data file paths that would leave `dir`.
    static std::shared_ptr<const OcdbtKvStore> open(const std::string &dir);

    /// Inline values are MemoryBytes named "ocdbt:<dir>/<key>"; out-of-line values a SubRange of the
    /// data file. Throws Exception{MissingData} naming the data file when it does not exist.
    RandomAccessPtr get(const std::string &key) const override;
    std::vector<std::string> list(const std::string &prefix = {}) const override;
    /// "ocdbt:<dir>".
    std::string describe() const override;
    /// "<absolute data file>:<offset>:<length>" for out-of-line values; empty for inline or missing keys.
    std::string fingerprint(const std::string &key) const override;

    const std::string &directory() const { return m_dir; }
    /// The manifest file that was read (manifest.ocdbt or manifest.<16 hex>).
    const std::string &manifestPath() const { return m_manifestPath; }
    const OcdbtConfig &config() const { return m_config; }
    /// The version whose keys are indexed (the newest one).
    const OcdbtVersion &version() const { return m_version; }
    size_t keyCount() const { return m_entries.size(); }
    /// Number of keys whose value is stored out of line.
    size_t outOfLineCount() const;
    /// Absolute paths of the data files out-of-line values refer to, sorted.
    std::vector<std::string> valueFiles() const;

    struct Entry {
        std::string key;
        uint32_t file = 0; ///< index into m_valueFiles when out of line
        uint64_t offset = 0;
        uint64_t length = 0;
        std::shared_ptr<const MemoryBytes> inlineValue; ///< null when out of line
    };

private:
    explicit OcdbtKvStore(std::string dir);
    void indexNode(const OcdbtDataFile &file, const OcdbtRef &ref, uint8_t height, const std::string &prefix,
        const std::string &minKey, const std::string &referrer, uint64_t referrerOffset);
    const Entry *find(const std::string &key) const;

    std::string m_dir;
    std::string m_manifestPath;
    OcdbtConfig m_config;
    OcdbtVersion m_version;
    OcdbtFileCache m_files;
    std::vector<std::string> m_valueFiles; ///< relative to m_dir
    std::unordered_map<std::string, uint32_t> m_valueFileIndex; ///< m_valueFiles entry -> index (open only)
    std::vector<Entry> m_entries; ///< sorted by key
};

/// Opens `<itemDir>/ocdbt.process_<processId>/`, the per-process database Orbax writes before it
/// merges them into the item's root database (a fallback when the root manifest is damaged).
std::shared_ptr<const OcdbtKvStore> openOcdbtProcessDatabase(const std::string &itemDir, const std::string &processId);

} // namespace ckpt
