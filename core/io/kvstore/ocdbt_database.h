#pragma once

#include "io/kvstore/ocdbt_manifest.h"
#include "io/random_access.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ckpt {

/// A manifest and the file it was read from.
struct OcdbtManifestFile {
    OcdbtManifest manifest;
    std::string path;
};

/// Reads the current manifest of the database in `dir`: `manifest.ocdbt`, or for the numbered kind
/// the highest-numbered `manifest.<16 hex>` (whose last generation must equal its number).
/// Throws Exception{MissingData} when there is no manifest, {Corrupt} on bad bytes.
OcdbtManifestFile readOcdbtCurrentManifest(const std::string &dir);

/// Every version the database records, oldest first: the versions in version-tree nodes followed by
/// the manifest's inline ones. Reads (and CRC-checks) every version-tree node.
std::vector<OcdbtVersion> readOcdbtVersionHistory(const std::string &dir);

/// Absolute paths of the per-process databases of an Orbax item directory: sub-directories named
/// `ocdbt.process_<id>` holding a `manifest.ocdbt`, sorted by id (numerically when numeric).
/// Empty when there are none or `itemDir` cannot be listed.
std::vector<std::string> listOcdbtProcessDatabases(const std::string &itemDir);

/// Open files of one database, keyed by path relative to the database directory. Paths are
/// validated (validateOcdbtDataFilePath) before use. Thread-safe.
class OcdbtFileCache {
public:
    explicit OcdbtFileCache(std::string dir)
        : m_dir(std::move(dir))
    { }
    /// Opens `relativePath` once; throws Exception{MissingData} naming the path when it is missing.
    /// `referrer`/`referrerOffset` name the node that referred to it, for refused paths.
    RandomAccessPtr open(const std::string &relativePath, const std::string &referrer, uint64_t referrerOffset) const;
    std::string absolute(const std::string &relativePath) const { return m_dir + "/" + relativePath; }

private:
    std::string m_dir;
    mutable std::mutex m_mutex;
    mutable std::map<std::string, RandomAccessPtr> m_files;
};

/// Reads the encoded object `ref` of `file` (envelope bytes), checking it lies inside the file.
std::vector<std::byte> readOcdbtObject(const OcdbtFileCache &files, const OcdbtDataFile &file, const OcdbtRef &ref,
    const std::string &referrer, uint64_t referrerOffset);

} // namespace ckpt
