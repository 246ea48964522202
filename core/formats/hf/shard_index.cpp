#include "formats/hf/shard_index.h"

#include "base/error.h"
#include "io/path_ops.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ckpt::hf {

bool isShardIndexName(const std::string &path)
{
    const std::string suffix = ".index.json";
    return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

ShardIndex readShardIndex(const std::string &path)
{
    ShardIndex idx;
    idx.path = path;
    const fs::path p(path);
    idx.folder = p.has_parent_path() ? p.parent_path().string() : std::string(".");
    const auto doc = nlohmann::json::parse(readPathText(path), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        fail(ErrorCategory::Corrupt, "shard index is not a JSON object", path);
    if (!doc.contains("weight_map") || !doc["weight_map"].is_object())
        fail(ErrorCategory::Corrupt, "shard index has no \"weight_map\" object", path);
    if (doc.contains("metadata") && doc["metadata"].is_object())
        idx.metadata = doc["metadata"];
    for (const auto &[name, file] : doc["weight_map"].items()) {
        if (!file.is_string())
            fail(ErrorCategory::Corrupt, "weight_map entry \"" + name + "\" is " + file.dump() + ", not a file name",
                path, std::nullopt, name);
        const std::string f = file.get<std::string>();
        const fs::path fp(f);
        bool escapes = f.empty() || fp.is_absolute();
        for (const auto &part : fp)
            escapes = escapes || part == "..";
        if (escapes)
            fail(ErrorCategory::InvalidArgument,
                "weight_map entry \"" + name + "\" names the shard \"" + f + "\" outside the index's folder", path,
                std::nullopt, name);
        idx.weightMap.emplace_back(name, f);
        if (std::find(idx.shards.begin(), idx.shards.end(), f) == idx.shards.end())
            idx.shards.push_back(f);
    }
    return idx;
}

} // namespace ckpt::hf
