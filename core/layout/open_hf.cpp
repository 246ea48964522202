#include "layout/open_hf.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/hf/flax_shards.h"
#include "formats/hf/shard_index.h"
#include "formats/safetensors/safetensors_reader.h"
#include "io/path_ops.h"
#include "layout/layout_detect.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

void refuseStepAndItem(const std::string &path, const OpenOptions &options)
{
    if (options.step || options.item)
        fail(ErrorCategory::InvalidArgument, kNoStepsOrItems, path);
}

safetensors::ReadOptions readOptions(const OpenOptions &options)
{
    safetensors::ReadOptions r;
    if (options.flatNames)
        r.nameSeparator.clear();
    return r;
}

Checkpoint fromTensors(const std::string &path, safetensors::Tensors t, const std::string &era)
{
    Checkpoint c;
    c.path = path;
    c.format = kFormatSafetensors;
    c.era = era;
    c.root = std::move(t.root);
    c.warnings = std::move(t.warnings);
    if (!t.metadata.empty())
        c.metadata["safetensors_metadata"] = t.metadata;
    if (!t.indexMetadata.empty())
        c.metadata["shard_index"] = t.indexMetadata;
    if (t.files.size() > 1)
        c.metadata["shards"] = t.files.size();
    return c;
}

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

Checkpoint openSafetensorsFile(const std::string &path, const OpenOptions &options)
{
    refuseStepAndItem(path, options);
    return fromTensors(path, safetensors::readFile(path, readOptions(options)), "safetensors");
}

Checkpoint openShardIndex(const std::string &path, const OpenOptions &options, const Progress &progress)
{
    refuseStepAndItem(path, options);
    const hf::ShardIndex idx = hf::readShardIndex(path);
    bool msgpack = !idx.shards.empty();
    for (const auto &s : idx.shards)
        msgpack = msgpack && endsWith(s, ".msgpack");
    if (!msgpack) {
        auto t = safetensors::readIndex(idx, readOptions(options));
        const std::string era = "safetensors, " + std::to_string(t.files.size()) + " shards";
        return fromTensors(path, std::move(t), era);
    }
    auto shards = hf::readFlaxShards(idx, progress);
    Checkpoint c;
    c.path = path;
    c.format = kFormatFlaxMsgpack;
    c.era = "Hugging Face sharded Flax msgpack, " + std::to_string(shards.files.size()) + " shards";
    c.root = shards.root;
    c.warnings = shards.warnings;
    if (!shards.indexMetadata.empty())
        c.metadata["shard_index"] = shards.indexMetadata;
    c.metadata["shards"] = shards.files.size();
    return c;
}

Checkpoint openHfModelFolder(const std::string &dir, const OpenOptions &options, const Progress &progress)
{
    const std::string file = hfModelFile(dir);
    if (file.empty())
        fail(
            ErrorCategory::NotACheckpoint, "no model.safetensors(.index.json) or flax_model.msgpack(.index.json)", dir);
    Checkpoint c;
    if (hf::isShardIndexName(file)) {
        c = openShardIndex(file, options, progress);
    } else if (endsWith(file, ".safetensors")) {
        c = openSafetensorsFile(file, options);
    } else {
        refuseStepAndItem(dir, options);
        c.format = kFormatFlaxMsgpack;
        c.era = "Hugging Face Flax msgpack";
        c.root = flaxmsgpack::readFile(file, {}, progress);
    }
    const std::string chosen = fs::path(file).filename().string();
    for (const char *other :
        {"model.safetensors.index.json", "model.safetensors", "flax_model.msgpack.index.json", "flax_model.msgpack"})
        if (other != chosen && pathIsFile((fs::path(dir) / other).string()))
            c.warnings.push_back(
                "opened " + chosen + "; the folder also holds " + std::string(other) + " (open it by its path)");
    c.path = dir;
    c.metadata["weights_file"] = file;
    return c;
}

} // namespace ckpt
