#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace ckpt::hf {

/// A Hugging Face shard index (`model.safetensors.index.json`, `flax_model.msgpack.index.json`):
/// `{"metadata": {...}, "weight_map": {NAME: SHARD_FILE}}` (docs/formats.md, "Hugging Face shard
/// indexes").
struct ShardIndex {
    std::string path; ///< the index file
    std::string folder; ///< where the shard files are: the index file's folder
    nlohmann::json metadata = nlohmann::json::object(); ///< `metadata`, e.g. {"total_size": N}
    std::vector<std::pair<std::string, std::string>> weightMap; ///< name -> shard file, sorted by name
    std::vector<std::string> shards; ///< distinct shard files in first-seen order of weightMap
};

/// True when `path` names a shard index file by its name (`*.index.json`).
bool isShardIndexName(const std::string &path);

/// Reads an index. Throws Exception{Corrupt} when it is not JSON or has no `weight_map` of strings,
/// {InvalidArgument} for a shard name that leaves the index's folder (absolute, `..`).
ShardIndex readShardIndex(const std::string &path);

} // namespace ckpt::hf
