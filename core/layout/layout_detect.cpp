#include "layout/layout_detect.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/hf/shard_index.h"
#include "formats/safetensors/safetensors_reader.h"
#include "io/path_ops.h"
#include "io/storage/storage_url.h"
#include "layout/steps.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

/// Full paths of the folders in `dir`, sorted.
std::vector<std::string> subdirs(const std::string &dir)
{
    std::vector<std::string> out;
    for (const PathEntry &e : listPath(dir))
        if (e.isDir)
            out.push_back(joinPath(dir, e.name));
    return out;
}

bool hasFile(const std::string &dir, const char *name)
{
    return pathIsFile(joinPath(dir, name));
}

bool hasRootZarrMetadata(const std::string &dir)
{
    return hasFile(dir, "zarr.json") || hasFile(dir, ".zarray") || hasFile(dir, ".zgroup");
}

/// True when a zarr array's metadata sits exactly one level down (Orbax per-array directories).
bool hasZarrSubdirs(const std::string &dir)
{
    for (const auto &d : subdirs(dir))
        if (hasFile(d, ".zarray") || hasFile(d, "zarr.json"))
            return true;
    return false;
}

/// True when zarr array metadata sits anywhere below `dir` (locally: at most 8 levels down).
bool hasNestedZarr(const std::string &dir)
{
    auto isZarrMeta = [](std::string_view name) {
        return name == ".zarray" || name == "zarr.json" || name.ends_with("/.zarray") || name.ends_with("/zarr.json");
    };
    if (isStorageUrl(dir)) {
        const std::vector<PathEntry> all = listPathRecursive(dir);
        return std::any_of(all.begin(), all.end(), [&](const PathEntry &e) { return isZarrMeta(e.name); });
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec || it.depth() > 8)
            break;
        if (isZarrMeta(it->path().filename().string()))
            return true;
    }
    return false;
}

NodePtr jsonToNode(const nlohmann::json &j)
{
    switch (j.type()) {
    case nlohmann::json::value_t::object: {
        std::vector<Child> children;
        for (const auto &[k, v] : j.items())
            children.push_back({Key::name(k), jsonToNode(v)});
        return Node::makeDict(std::move(children));
    }
    case nlohmann::json::value_t::array: {
        std::vector<NodePtr> items;
        for (const auto &v : j)
            items.push_back(jsonToNode(v));
        return Node::makeList(std::move(items));
    }
    case nlohmann::json::value_t::string: return Node::makeString(j.get<std::string>());
    case nlohmann::json::value_t::boolean: return Node::makeScalar(Scalar::fromBool(j.get<bool>()));
    case nlohmann::json::value_t::number_integer: return Node::makeScalar(Scalar::fromInt(j.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned: {
        const uint64_t u = j.get<uint64_t>();
        return Node::makeScalar(u <= uint64_t(INT64_MAX) ? Scalar::fromInt(int64_t(u)) : Scalar::fromUInt(u));
    }
    case nlohmann::json::value_t::number_float: return Node::makeScalar(Scalar::fromFloat(j.get<double>()));
    default: return Node::makeNone();
    }
}

/// The one file in `dir` (Orbax's commit marker aside), or nullopt when it holds anything else.
std::optional<PathEntry> soleFile(const std::string &dir)
{
    std::optional<PathEntry> found;
    for (PathEntry &e : listPath(dir)) {
        if (e.name == "commit_success.txt")
            continue; // Orbax's commit marker, written into every item folder since 0.12.3
        if (e.isDir || found)
            return std::nullopt;
        found = std::move(e);
    }
    return found;
}

} // namespace

const char *layoutKindName(LayoutKind k)
{
    switch (k) {
    case LayoutKind::FlaxFile: return "flax_file";
    case LayoutKind::Item: return "item";
    case LayoutKind::CompositeStep: return "composite_step";
    case LayoutKind::Run: return "run";
    case LayoutKind::ZarrHierarchy: return "zarr_hierarchy";
    case LayoutKind::SafetensorsFile: return "safetensors_file";
    case LayoutKind::ShardIndex: return "shard_index";
    case LayoutKind::HfModelFolder: return "hf_model_folder";
    case LayoutKind::NotRecognised: break;
    }
    return "unknown";
}

bool isFlaxMsgpackFile(const std::string &path)
{
    if (!pathIsFile(path))
        return false;
    try {
        return flaxmsgpack::looksLikeMsgpack(*openPath(path));
    } catch (const Exception &e) {
        if (e.error().category == ErrorCategory::Auth || e.error().category == ErrorCategory::Cancelled)
            throw;
        return false;
    }
}

bool isOrbaxItemDir(const std::string &dir)
{
    if (hasFile(dir, "_METADATA") || hasFile(dir, "manifest.ocdbt") || isFlaxMsgpackFile(joinPath(dir, "checkpoint")))
        return true;
    const std::vector<std::string> dirs = subdirs(dir);
    return std::any_of(
        dirs.begin(), dirs.end(), [](const std::string &s) { return pathName(s).starts_with("ocdbt.process_"); });
}

bool isJsonItem(const std::string &dir)
{
    auto f = soleFile(dir);
    if (!f)
        return false;
    if (f->size > (64u << 20))
        return false;
    try {
        return nlohmann::json::accept(readPathText(joinPath(dir, f->name)));
    } catch (const Exception &) {
        return false;
    }
}

NodePtr readJsonItem(const std::string &dir)
{
    auto f = soleFile(dir);
    if (!f)
        fail(ErrorCategory::NotACheckpoint, "not a JSON item (expected exactly one file)", dir);
    const std::string file = joinPath(dir, f->name);
    auto j = nlohmann::json::parse(readPathText(file), nullptr, false);
    if (j.is_discarded())
        fail(ErrorCategory::Corrupt, "JSON item file is not valid JSON", file);
    return jsonToNode(j);
}

std::vector<std::string> listStepItems(const std::string &stepDir)
{
    std::vector<std::string> items;
    for (const auto &d : subdirs(stepDir)) {
        const std::string name = pathName(d);
        if (name.find(".orbax-checkpoint-tmp") != std::string::npos)
            continue;
        if (isOrbaxItemDir(d) || isJsonItem(d) || hasZarrSubdirs(d))
            items.push_back(name);
    }
    return items;
}

std::string hfModelFile(const std::string &dir)
{
    for (const char *name :
        {"model.safetensors.index.json", "model.safetensors", "flax_model.msgpack.index.json", "flax_model.msgpack"})
        if (hasFile(dir, name))
            return joinPath(dir, name);
    return {};
}

LayoutKind detectLayout(const std::string &path)
{
    if (pathIsFile(path)) {
        if (isFlaxMsgpackFile(path))
            return LayoutKind::FlaxFile;
        if (safetensors::isSafetensorsFile(path) || safetensors::hasSafetensorsName(path))
            return LayoutKind::SafetensorsFile;
        return hf::isShardIndexName(path) ? LayoutKind::ShardIndex : LayoutKind::NotRecognised;
    }
    if (!pathIsDir(path))
        return LayoutKind::NotRecognised;
    if (isOrbaxItemDir(path))
        return LayoutKind::Item;
    // A run: metadata/_ROOT_METADATA, or children named like steps holding checkpoints.
    if (pathIsFile(joinPath(path, "metadata/_ROOT_METADATA")))
        return LayoutKind::Run;
    for (const PathEntry &e : listPath(path)) {
        if (!parseStepName(e.name))
            continue;
        const std::string child = joinPath(path, e.name);
        if (!e.isDir && isFlaxMsgpackFile(child))
            return LayoutKind::Run;
        if (e.isDir
            && (e.name.find(".orbax-checkpoint-tmp") != std::string::npos || isOrbaxItemDir(child)
                || hasFile(child, "_CHECKPOINT_METADATA") || !listStepItems(child).empty()))
            return LayoutKind::Run;
    }
    if (hasRootZarrMetadata(path))
        return LayoutKind::ZarrHierarchy;
    if (!hfModelFile(path).empty())
        return LayoutKind::HfModelFolder;
    bool anyItem = false;
    for (const auto &d : subdirs(path))
        anyItem = anyItem || isOrbaxItemDir(d);
    const bool stepMarkers = hasFile(path, "_CHECKPOINT_METADATA") || hasFile(path, "orbax.checkpoint");
    if (anyItem || (stepMarkers && !listStepItems(path).empty()))
        return LayoutKind::CompositeStep;
    if (hasZarrSubdirs(path))
        return LayoutKind::Item; // old non-OCDBT item without _METADATA; the tree is inferred
    // Nested zarr arrays deeper down: a raw TensorStore hierarchy.
    if (hasNestedZarr(path))
        return LayoutKind::ZarrHierarchy;
    return LayoutKind::NotRecognised;
}

} // namespace ckpt
