#include "io/kvstore/ocdbt_database.h"

#include "base/error.h"
#include "io/kvstore/ocdbt_envelope.h"
#include "io/path_ops.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ckpt {

namespace {

constexpr const char *kManifestName = "manifest.ocdbt"; // on-disk name, never change
constexpr size_t kNumberedManifestHexDigits = 16; // manifest.<16 lowercase hex>
constexpr uint64_t kMaxVersionNodeBytes = 64u << 20;

std::vector<std::string> listDir(const std::string &dir)
{
    std::vector<std::string> names;
    for (const PathEntry &e : listPath(dir))
        names.push_back(e.name);
    return names;
}

OcdbtManifest readManifestAt(const std::string &path)
{
    auto f = openPath(path);
    if (f->size() > kOcdbtMaxManifestBodyBytes)
        fail(ErrorCategory::Corrupt, "manifest of " + std::to_string(f->size()) + " bytes is implausibly large", path,
            0);
    return decodeOcdbtManifest(f->readRange(0, f->size()), path);
}

void collectVersions(const OcdbtFileCache &files, const OcdbtConfig &config, const OcdbtDataFile &file,
    const OcdbtVersionNodeRef &ref, const std::string &referrer, uint64_t referrerOffset,
    std::vector<OcdbtVersion> &out)
{
    const auto bytes = readOcdbtObject(files, file, ref.location, referrer, referrerOffset);
    const std::string path = files.absolute(file.path());
    const auto node = decodeOcdbtVersionNode(bytes, file.basePath, kMaxVersionNodeBytes, path, ref.location.offset);
    if (node.height != ref.height || node.arityLog2 != config.versionTreeArityLog2)
        fail(ErrorCategory::Corrupt,
            "version tree node has height " + std::to_string(node.height) + " and arity log2 "
                + std::to_string(node.arityLog2) + ", expected " + std::to_string(ref.height) + " and "
                + std::to_string(config.versionTreeArityLog2),
            path, ref.location.offset);
    const uint64_t last = node.height == 0 ? node.versions.back().generation : node.children.back().generation;
    if (last != ref.generation)
        fail(ErrorCategory::Corrupt,
            "version tree node ends at generation " + std::to_string(last) + ", its reference says "
                + std::to_string(ref.generation),
            path, ref.location.offset);
    if (node.height == 0) {
        // Checked per leaf so that a tree referring to one node many times fails at once.
        if (!out.empty() && node.versions.front().generation <= out.back().generation)
            fail(ErrorCategory::Corrupt, "version tree generations are not strictly increasing", path,
                ref.location.offset);
        out.insert(out.end(), node.versions.begin(), node.versions.end());
        return;
    }
    for (const auto &child : node.children)
        collectVersions(files, config, node.dataFiles[child.location.fileId], child, path, ref.location.offset, out);
}

} // namespace

RandomAccessPtr OcdbtFileCache::open(
    const std::string &relativePath, const std::string &referrer, uint64_t referrerOffset) const
{
    validateOcdbtDataFilePath(relativePath, referrer, referrerOffset);
    std::lock_guard lock(m_mutex);
    auto it = m_files.find(relativePath);
    if (it != m_files.end())
        return it->second;
    RandomAccessPtr f;
    try {
        f = openPath(absolute(relativePath));
    } catch (const Exception &e) {
        if (e.error().category != ErrorCategory::MissingData)
            throw;
        fail(ErrorCategory::MissingData, "OCDBT data file is missing (referenced from " + referrer + ")",
            absolute(relativePath));
    }
    m_files.emplace(relativePath, f);
    return f;
}

std::vector<std::byte> readOcdbtObject(const OcdbtFileCache &files, const OcdbtDataFile &file, const OcdbtRef &ref,
    const std::string &referrer, uint64_t referrerOffset)
{
    auto f = files.open(file.path(), referrer, referrerOffset);
    if (ref.offset > f->size() || ref.length > f->size() - ref.offset)
        fail(ErrorCategory::Corrupt,
            "reference to bytes [" + std::to_string(ref.offset) + ", +" + std::to_string(ref.length)
                + ") but the file has " + std::to_string(f->size()),
            f->name(), ref.offset);
    return f->readRange(ref.offset, ref.length);
}

OcdbtManifestFile readOcdbtCurrentManifest(const std::string &dir)
{
    OcdbtManifestFile result;
    result.path = dir + "/" + kManifestName;
    result.manifest = readManifestAt(result.path);
    if (result.manifest.config.manifestKind != OcdbtConfig::Numbered)
        return result;

    // Numbered: the newest generation lives in manifest.<16 hex>.
    uint64_t best = 0;
    std::string bestName;
    for (const auto &name : listDir(dir)) {
        const std::string prefix = "manifest.";
        if (name.size() != prefix.size() + kNumberedManifestHexDigits || name.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string hex = name.substr(prefix.size());
        if (!std::all_of(
                hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
            continue;
        const uint64_t gen = std::stoull(hex, nullptr, 16);
        if (bestName.empty() || gen > best) {
            best = gen;
            bestName = name;
        }
    }
    if (bestName.empty())
        fail(ErrorCategory::MissingData, "numbered OCDBT database has no manifest.<generation> file", result.path);
    const OcdbtConfig config = result.manifest.config;
    result.path = dir + "/" + bestName;
    result.manifest = readManifestAt(result.path);
    if (result.manifest.config.manifestKind != OcdbtConfig::Single)
        fail(ErrorCategory::Corrupt, "numbered manifest holds no versions", result.path, 0);
    if (result.manifest.config.uuid != config.uuid)
        fail(
            ErrorCategory::Corrupt, "numbered manifest belongs to a different database (uuid differs)", result.path, 0);
    if (result.manifest.versions.back().generation != best)
        fail(ErrorCategory::Corrupt,
            "numbered manifest ends at generation " + std::to_string(result.manifest.versions.back().generation)
                + " but its name says " + std::to_string(best),
            result.path, 0);
    return result;
}

std::vector<OcdbtVersion> readOcdbtVersionHistory(const std::string &dir)
{
    const auto mf = readOcdbtCurrentManifest(dir);
    const OcdbtFileCache files(dir);
    std::vector<OcdbtVersion> out;
    for (const auto &ref : mf.manifest.versionNodes)
        collectVersions(files, mf.manifest.config, mf.manifest.dataFiles[ref.location.fileId], ref, mf.path, 0, out);
    out.insert(out.end(), mf.manifest.versions.begin(), mf.manifest.versions.end());
    for (size_t i = 1; i < out.size(); ++i)
        if (out[i].generation <= out[i - 1].generation)
            fail(ErrorCategory::Corrupt, "version tree generations are not strictly increasing", mf.path, 0);
    return out;
}

std::vector<std::string> listOcdbtProcessDatabases(const std::string &itemDir)
{
    const std::string prefix = "ocdbt.process_";
    std::vector<std::pair<std::string, std::string>> found; // (id, path)
    for (const auto &name : listDir(itemDir)) {
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string path = itemDir + "/" + name;
        if (!pathIsDir(path) || !pathIsFile(path + "/" + kManifestName))
            continue;
        found.emplace_back(name.substr(prefix.size()), path);
    }
    auto numeric = [](const std::string &s) { return std::all_of(s.begin(), s.end(), ::isdigit); };
    std::sort(found.begin(), found.end(), [&](const auto &a, const auto &b) {
        const bool na = numeric(a.first), nb = numeric(b.first);
        if (na != nb)
            return na; // numeric ids first
        if (na && a.first.size() != b.first.size())
            return a.first.size() < b.first.size();
        return a.first < b.first;
    });
    std::vector<std::string> paths;
    for (auto &f : found)
        paths.push_back(std::move(f.second));
    return paths;
}

} // namespace ckpt
