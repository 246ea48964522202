#include "layout/layout_detect.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/hf/shard_index.h"
#include "formats/safetensors/safetensors_reader.h"
#include "io/file.h"
#include "layout/steps.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

std::vector<fs::path> subdirs(const fs::path &dir)
{
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec))
        if (isDir(e.path()))
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool hasRootZarrMetadata(const fs::path &dir)
{
    return isFile(dir / "zarr.json") || isFile(dir / ".zarray") || isFile(dir / ".zgroup");
}

/// True when a zarr array's metadata sits exactly one level down (Orbax per-array directories).
bool hasZarrSubdirs(const fs::path &dir)
{
    for (const auto &d : subdirs(dir))
        if (isFile(d / ".zarray") || isFile(d / "zarr.json"))
            return true;
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

std::optional<fs::path> soleFile(const fs::path &dir)
{
    std::optional<fs::path> found;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename() == "commit_success.txt")
            continue; // Orbax's commit marker, written into every item folder since 0.12.3
        if (!isFile(e.path()) || found)
            return std::nullopt;
        found = e.path();
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
    if (!isFile(path))
        return false;
    try {
        return flaxmsgpack::looksLikeMsgpack(*File::open(path));
    } catch (const Exception &) {
        return false;
    }
}

bool isOrbaxItemDir(const std::string &dir)
{
    const fs::path d(dir);
    if (isFile(d / "_METADATA") || isFile(d / "manifest.ocdbt") || isFlaxMsgpackFile((d / "checkpoint").string()))
        return true;
    for (const auto &s : subdirs(d))
        if (s.filename().string().starts_with("ocdbt.process_"))
            return true;
    return false;
}

bool isJsonItem(const std::string &dir)
{
    auto f = soleFile(dir);
    if (!f)
        return false;
    std::error_code ec;
    if (fs::file_size(*f, ec) > (64u << 20))
        return false;
    try {
        return nlohmann::json::accept(readTextFile(f->string()));
    } catch (const Exception &) {
        return false;
    }
}

NodePtr readJsonItem(const std::string &dir)
{
    auto f = soleFile(dir);
    if (!f)
        fail(ErrorCategory::NotACheckpoint, "not a JSON item (expected exactly one file)", dir);
    auto j = nlohmann::json::parse(readTextFile(f->string()), nullptr, false);
    if (j.is_discarded())
        fail(ErrorCategory::Corrupt, "JSON item file is not valid JSON", f->string());
    return jsonToNode(j);
}

std::vector<std::string> listStepItems(const std::string &stepDir)
{
    std::vector<std::string> items;
    for (const auto &d : subdirs(stepDir)) {
        const std::string name = d.filename().string();
        if (name.find(".orbax-checkpoint-tmp") != std::string::npos)
            continue;
        if (isOrbaxItemDir(d.string()) || isJsonItem(d.string()) || hasZarrSubdirs(d))
            items.push_back(name);
    }
    return items;
}

std::string hfModelFile(const std::string &dir)
{
    for (const char *name :
        {"model.safetensors.index.json", "model.safetensors", "flax_model.msgpack.index.json", "flax_model.msgpack"})
        if (isFile((fs::path(dir) / name).string()))
            return (fs::path(dir) / name).string();
    return {};
}

LayoutKind detectLayout(const std::string &path)
{
    const fs::path p(path);
    if (isFile(p)) {
        if (isFlaxMsgpackFile(path))
            return LayoutKind::FlaxFile;
        if (safetensors::isSafetensorsFile(path) || safetensors::hasSafetensorsName(path))
            return LayoutKind::SafetensorsFile;
        return hf::isShardIndexName(path) ? LayoutKind::ShardIndex : LayoutKind::NotRecognised;
    }
    if (!isDir(p))
        return LayoutKind::NotRecognised;
    if (isOrbaxItemDir(path))
        return LayoutKind::Item;
    // A run: metadata/_ROOT_METADATA, or children named like steps holding checkpoints.
    if (isFile(p / "metadata" / "_ROOT_METADATA"))
        return LayoutKind::Run;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(p, ec)) {
        const std::string name = e.path().filename().string();
        if (!parseStepName(name))
            continue;
        if (isFlaxMsgpackFile(e.path().string()))
            return LayoutKind::Run;
        if (isDir(e.path())
            && (name.find(".orbax-checkpoint-tmp") != std::string::npos || isOrbaxItemDir(e.path().string())
                || isFile(e.path() / "_CHECKPOINT_METADATA") || !listStepItems(e.path().string()).empty()))
            return LayoutKind::Run;
    }
    if (hasRootZarrMetadata(p))
        return LayoutKind::ZarrHierarchy;
    if (!hfModelFile(path).empty())
        return LayoutKind::HfModelFolder;
    bool anyItem = false;
    for (const auto &d : subdirs(p))
        anyItem = anyItem || isOrbaxItemDir(d.string());
    const bool stepMarkers = isFile(p / "_CHECKPOINT_METADATA") || isFile(p / "orbax.checkpoint");
    if (anyItem || (stepMarkers && !listStepItems(path).empty()))
        return LayoutKind::CompositeStep;
    if (hasZarrSubdirs(p))
        return LayoutKind::Item; // old non-OCDBT item without _METADATA; the tree is inferred
    // Nested zarr arrays deeper down: a raw TensorStore hierarchy.
    for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec || it.depth() > 8)
            break;
        const auto fname = it->path().filename();
        if (fname == ".zarray" || fname == "zarr.json")
            return LayoutKind::ZarrHierarchy;
    }
    return LayoutKind::NotRecognised;
}

} // namespace ckpt
