#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/hdf5/hdf5_reader.h"
#include "formats/hf/shard_index.h"
#include "formats/orbax/pytree_item.h"
#include "formats/safetensors/safetensors_reader.h"
#include "formats/zarr/zarr_hierarchy.h"
#include "io/path_ops.h"
#include "io/storage/storage_url.h"
#include "layout/checkpoint.h"
#include "layout/layout_detect.h"
#include "layout/open_hf.h"
#include "layout/steps.h"

#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

std::optional<nlohmann::json> readJsonFile(const std::string &p, std::vector<std::string> &warnings)
{
    if (!pathIsFile(p))
        return std::nullopt;
    try {
        auto j = nlohmann::json::parse(readPathText(p), nullptr, false);
        if (!j.is_discarded())
            return j;
        warnings.push_back("ignored " + p + ": not valid JSON");
    } catch (const Exception &e) {
        if (e.error().category == ErrorCategory::Auth || e.error().category == ErrorCategory::Cancelled)
            throw;
        warnings.push_back("ignored " + p + ": " + e.error().describe());
    }
    return std::nullopt;
}

/// Opens `path` and checks that it starts like a msgpack checkpoint (the one place that does).
RandomAccessPtr openMsgpackFile(const std::string &path)
{
    auto file = openPath(path);
    if (!flaxmsgpack::looksLikeMsgpack(*file))
        fail(ErrorCategory::NotACheckpoint, "not a msgpack checkpoint (first byte is not a map)", path, 0);
    return file;
}

/// Parses a file openMsgpackFile() accepted.
Checkpoint readFlaxFile(const std::string &path, const RandomAccessPtr &file, const Progress &progress)
{
    Checkpoint c;
    c.path = path;
    c.format = kFormatFlaxMsgpack;
    c.era = "Flax msgpack";
    c.root = flaxmsgpack::parse(file, {}, progress);
    return c;
}

/// True when `bytes` start with the HDF5 superblock signature (at offset 0, where our writer
/// puts it; formats §8, HDF5 export layout).
bool looksLikeHdf5(const RandomAccess &bytes)
{
    static constexpr std::array<unsigned char, 8> kSignature = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() < kSignature.size())
        return false;
    std::array<std::byte, kSignature.size()> head{};
    bytes.readAt(0, head);
    return std::memcmp(head.data(), kSignature.data(), kSignature.size()) == 0;
}

Checkpoint openFlaxFile(const std::string &path, const Progress &progress)
{
    return readFlaxFile(path, openMsgpackFile(path), progress);
}

void addItemMetadata(Checkpoint &c, const std::string &dir)
{
    if (auto j = readJsonFile(joinPath(dir, "_CHECKPOINT_METADATA"), c.warnings))
        c.metadata["checkpoint"] = *j;
    if (pathIsFile(joinPath(dir, "orbax.checkpoint")))
        c.metadata["orbax_v1_layout"] = true;
}

Checkpoint openItem(const std::string &path, const Progress &progress)
{
    auto item = orbax::openPyTreeItem(path, progress);
    Checkpoint c;
    c.path = path;
    c.format = kFormatOrbax;
    c.era = item.era;
    c.root = item.root;
    c.warnings = item.warnings;
    addItemMetadata(c, path);
    return c;
}

Checkpoint openComposite(const std::string &path, const OpenOptions &options, const Progress &progress)
{
    Checkpoint c;
    c.path = path;
    c.format = kFormatOrbax;
    addItemMetadata(c, path);
    std::vector<std::string> names = listStepItems(path);
    c.metadata["items"] = names;
    if (options.item) {
        if (std::find(names.begin(), names.end(), *options.item) == names.end()) {
            std::string known;
            for (const auto &n : names)
                known += (known.empty() ? "" : ", ") + n;
            fail(ErrorCategory::InvalidArgument, "no item \"" + *options.item + "\" (items: " + known + ")", path);
        }
        names = {*options.item};
    }
    for (const PathEntry &e : listPath(path))
        if (e.name.find(".orbax-checkpoint-tmp") != std::string::npos && e.isDir)
            c.warnings.push_back("skipped item folder \"" + e.name + "\": an in-progress save");
    std::vector<Child> children;
    std::optional<Exception> firstError;
    for (const auto &name : names) {
        const std::string itemPath = joinPath(path, name);
        try {
            if (isJsonItem(itemPath) && !isOrbaxItemDir(itemPath)) {
                children.push_back({Key::name(name), readJsonItem(itemPath)});
                continue;
            }
            auto item = orbax::openPyTreeItem(itemPath, progress);
            if (c.era.empty())
                c.era = item.era;
            for (const auto &w : item.warnings)
                c.warnings.push_back("item \"" + name + "\": " + w);
            children.push_back({Key::name(name), item.root});
        } catch (const Exception &e) {
            if (e.error().category == ErrorCategory::Cancelled || options.item)
                throw;
            if (!firstError)
                firstError = e;
            c.warnings.push_back("skipped item \"" + name + "\" that cannot be read: " + e.error().describe());
        }
    }
    if (children.empty()) {
        if (firstError)
            throw *firstError;
        fail(ErrorCategory::NotACheckpoint, "the step holds no readable item", path);
    }
    if (c.era.empty())
        c.era = "Orbax JSON items";
    if (options.item) {
        c.item = *options.item;
        c.root = children.front().node;
    } else if (children.size() == 1 && children.front().key.str() == "default") {
        c.item = "default";
        c.root = children.front().node;
    } else {
        c.root = Node::makeDict(std::move(children));
    }
    return c;
}

Checkpoint openZarrHierarchy(const std::string &path, const Progress &progress)
{
    auto store = openFolderStore(path);
    std::vector<int> versions;
    Checkpoint c;
    c.path = path;
    c.format = kFormatZarr;
    c.root = zarr::openHierarchy(store, &versions, progress);
    std::sort(versions.begin(), versions.end());
    c.era = versions.size() == 2 ? "TensorStore zarr v2 and v3"
                                 : (versions.front() == 2 ? "TensorStore zarr v2" : "TensorStore zarr v3");
    return c;
}

Checkpoint openDirectory(
    const std::string &path, LayoutKind kind, const OpenOptions &options, const Progress &progress);

bool stepMatches(const StepInfo &s, const std::string &want)
{
    if (s.name == want || s.step.text == want)
        return true;
    double v = 0;
    const char *b = want.data(), *e = want.data() + want.size();
    auto [ptr, ec] = std::from_chars(b, e, v);
    return ec == std::errc() && ptr == e && !s.step.text.empty() && v == s.step.value;
}

Checkpoint openRun(const std::string &path, const OpenOptions &options, const Progress &progress)
{
    const auto steps = listSteps(path);
    std::optional<StepInfo> chosen;
    std::vector<std::string> warnings;
    if (options.step) {
        for (auto it = steps.rbegin(); it != steps.rend() && !chosen; ++it)
            if (stepMatches(*it, *options.step) && it->complete)
                chosen = *it;
        for (auto it = steps.rbegin(); it != steps.rend() && !chosen; ++it)
            if (stepMatches(*it, *options.step))
                chosen = *it;
        if (!chosen) {
            std::string known;
            for (const auto &s : steps)
                known += (known.empty() ? "" : ", ") + s.name;
            fail(ErrorCategory::InvalidArgument, "no step \"" + *options.step + "\" (steps: " + known + ")", path);
        }
        if (!chosen->complete)
            warnings.push_back("step " + chosen->name + " is incomplete: " + chosen->incompleteReason);
    } else {
        chosen = latestCompleteStep(steps);
        if (!chosen)
            fail(ErrorCategory::MissingData, "the run holds no complete step", path);
        for (const auto &s : steps)
            if (!s.complete && s.step.value >= chosen->step.value)
                warnings.push_back("ignored incomplete step " + s.name + ": " + s.incompleteReason);
    }
    Checkpoint c;
    if (chosen->isFile) {
        if (options.item)
            fail(ErrorCategory::InvalidArgument, kNoItemsInFileStep, chosen->path);
        c = openFlaxFile(chosen->path, progress);
        c.era = "Flax msgpack (flax.training.checkpoints)";
    } else {
        LayoutKind kind = detectLayout(chosen->path);
        if (kind == LayoutKind::Run || kind == LayoutKind::NotRecognised)
            kind = listStepItems(chosen->path).empty() ? LayoutKind::Item : LayoutKind::CompositeStep;
        c = openDirectory(chosen->path, kind, OpenOptions{std::nullopt, options.item}, progress);
    }
    c.path = path;
    c.step = chosen->step;
    c.warnings.insert(c.warnings.begin(), warnings.begin(), warnings.end());
    c.metadata["step_path"] = chosen->path;
    if (auto j = readJsonFile(joinPath(path, "metadata/_ROOT_METADATA"), c.warnings))
        c.metadata["root"] = *j;
    return c;
}

Checkpoint openDirectory(const std::string &path, LayoutKind kind, const OpenOptions &options, const Progress &progress)
{
    switch (kind) {
    case LayoutKind::Item:
        if (options.item)
            fail(ErrorCategory::InvalidArgument, kNoItemsInItem, path);
        if (options.step)
            fail(ErrorCategory::InvalidArgument, kNoStepsInCheckpoint, path);
        return openItem(path, progress);
    case LayoutKind::CompositeStep:
        if (options.step)
            fail(ErrorCategory::InvalidArgument, kNoStepsInCheckpoint, path);
        return openComposite(path, options, progress);
    case LayoutKind::Run: return openRun(path, options, progress);
    case LayoutKind::ZarrHierarchy:
        if (options.step || options.item)
            fail(ErrorCategory::InvalidArgument, kNoStepsOrItems, path);
        return openZarrHierarchy(path, progress);
    case LayoutKind::HfModelFolder: return openHfModelFolder(path, options, progress);
    case LayoutKind::FlaxFile:
    case LayoutKind::SafetensorsFile:
    case LayoutKind::ShardIndex:
    case LayoutKind::NotRecognised: break;
    }
    fail(ErrorCategory::NotACheckpoint,
        "not a checkpoint directory (no _METADATA, manifest.ocdbt, msgpack checkpoint, step folders, items or zarr "
        "arrays)",
        path);
}

} // namespace

bool isRemoteLocation(const std::string &path)
{
    return isStorageUrl(path);
}

bool StepId::isInteger() const
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

Checkpoint openCheckpoint(const std::string &path, const OpenOptions &options, const Progress &progress)
{
    const bool remote = isStorageUrl(path);
    const bool file = pathIsFile(path);
    if (!file && !pathIsDir(path))
        fail(ErrorCategory::MissingData, remote ? "no such object or folder" : "no such file or directory", path);
    if (file) {
        if (remote ? looksLikeHdf5(*openPath(path)) : hdf5::isHdf5File(path)) {
            if (remote)
                fail(ErrorCategory::Unsupported, "HDF5 files are read from local paths only: copy this one down first",
                    path);
            if (options.step || options.item)
                fail(ErrorCategory::InvalidArgument, kNoStepsOrItems, path);
            Checkpoint c;
            c.path = path;
            c.format = kFormatHdf5;
            c.era = "HDF5 (Checkpoint Studio layout)";
            c.root = hdf5::readFile(path, progress);
            return c;
        }
        if (safetensors::isSafetensorsFile(path) || safetensors::hasSafetensorsName(path))
            return openSafetensorsFile(path, options);
        if (hf::isShardIndexName(path))
            return openShardIndex(path, options, progress);
        const RandomAccessPtr bytes = openMsgpackFile(path);
        if (options.step || options.item)
            fail(ErrorCategory::InvalidArgument, kNoStepsOrItems, path);
        return readFlaxFile(path, bytes, progress);
    }
    return openDirectory(path, detectLayout(path), options, progress);
}

} // namespace ckpt
