#include "ops/export_remote.h"

#include "base/error.h"
#include "io/atomic_file.h"
#include "io/storage/storage_url.h"
#include "io/storage/upload_tree.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {

namespace {

/// A fresh local folder for the staged output, removed with everything in it on destruction.
struct StagingFolder {
    fs::path path;
    StagingFolder()
    {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in the process calls setenv
        const char *env = std::getenv("CKPT_STAGING_DIR");
        std::error_code ec;
        const fs::path base = env && *env ? fs::path(env) : fs::temp_directory_path(ec);
        std::string pattern = (base / "ckpt-staging-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            fail(ErrorCategory::Io,
                "cannot create a staging folder for the upload (set CKPT_STAGING_DIR to a folder with room for "
                "the export)",
                base.string());
        path = pattern;
    }
    ~StagingFolder()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    StagingFolder(const StagingFolder &) = delete;
    StagingFolder &operator=(const StagingFolder &) = delete;
    StagingFolder(StagingFolder &&) = delete;
    StagingFolder &operator=(StagingFolder &&) = delete;
};

std::string normalized(const std::string &url)
{
    const StorageUrl u = parseStorageUrl(url);
    std::string key = u.key;
    while (key.ends_with('/'))
        key.pop_back();
    return u.scheme + "://" + u.bucket + "/" + key;
}

/// Refuses a target that is, contains or (unless `allowInside`) lies inside a source URL.
void checkNotSource(const std::string &target, const std::vector<std::string> &sources, bool allowInside)
{
    const std::string t = normalized(target);
    for (const auto &s : sources) {
        if (!isStorageUrl(s))
            continue;
        const std::string src = normalized(s);
        if (src == t || src.starts_with(t + "/"))
            fail(ErrorCategory::InvalidArgument, "the destination is (or contains) the source " + s, target);
        if (!allowInside && t.starts_with(src + "/"))
            fail(ErrorCategory::InvalidArgument, "the destination lies inside the source " + s, target);
    }
}

} // namespace

ExportResult exportToStorage(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress)
{
    const StorageUrl url = parseStorageUrl(dst);
    if (url.scheme == "http" || url.scheme == "https")
        fail(ErrorCategory::Unsupported,
            "http(s) locations are read-only; write to a gs:// or s3:// bucket or a local folder instead", dst);
    std::string key = url.key;
    while (key.ends_with('/'))
        key.pop_back();
    if (key.empty())
        fail(ErrorCategory::InvalidArgument, "name a folder inside the bucket to write to, not the bucket itself", dst);
    const StoragePtr store = storageFor(url);
    const std::string base = store->urlOf(key);

    // What the export creates at the destination, and whether that is one object or a folder.
    const bool asStep = options.asStep.has_value();
    std::string target = key;
    bool folder = true;
    switch (options.format) {
    case ExportFormat::Orbax:
        if (asStep)
            target = key + "/" + managerStepDirName(base, *options.asStep);
        break;
    case ExportFormat::FlaxMsgpack:
        folder = false;
        if (asStep)
            target = key + "/checkpoint_" + *options.asStep;
        break;
    case ExportFormat::Safetensors: folder = !key.ends_with(".safetensors"); break;
    case ExportFormat::Hdf5: folder = false; break;
    }
    const std::string targetUrl = store->urlOf(target);
    checkNotSource(targetUrl, options.sourcePaths, asStep);
    if (!folder) {
        const StorageListing below = store->list(target + "/", true);
        if (!below.objects.empty() || !below.prefixes.empty())
            fail(ErrorCategory::InvalidArgument, "destination is a folder; refusing to replace it with a file",
                targetUrl);
    }
    if (!options.force && storageKeyExists(*store, target))
        fail(ErrorCategory::InvalidArgument, asStep ? kStepFolderExists : kDestinationExists, targetUrl);

    const StagingFolder staging;
    ExportOptions local = options;
    local.force = false;
    local.sourcePaths.clear();
    local.finalLocation = asStep ? base : targetUrl;
    const std::string leaf = target.substr(target.rfind('/') + 1);
    const fs::path stagedDst = staging.path / (asStep ? std::string("run") : leaf);
    const ExportResult staged = exportTree(root, stagedDst.string(), local, progress);
    uploadTree(*store, staged.path, target, options.force ? UploadReplace::Replace : UploadReplace::Refuse, progress);
    store->refresh(key);
    return {targetUrl, staged.item, staged.warnings};
}

} // namespace ckpt
