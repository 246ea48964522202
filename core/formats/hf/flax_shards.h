#pragma once

#include "base/progress.h"
#include "formats/hf/shard_index.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ckpt::hf {

/// A Hugging Face sharded Flax checkpoint opened as one tree.
struct FlaxShards {
    NodePtr root;
    nlohmann::json indexMetadata = nlohmann::json::object();
    std::vector<std::string> files; ///< the shard files, in index order
    std::vector<std::string> warnings;
};

/// Opens `flax_model.msgpack.index.json` and its `flax_model-0000N-of-0000M.msgpack` shards (each a
/// Flax state dict holding some of the leaves; weight_map names are `/`-joined paths) as one tree,
/// leaves in shard order (docs/formats.md, "Hugging Face shard indexes"). Lazy like every msgpack
/// read. A missing shard or a weight_map entry its shard lacks: Exception{MissingData}; a leaf in
/// two shards: {Corrupt}.
FlaxShards readFlaxShards(const std::string &indexPath, const Progress &progress = {});
/// readFlaxShards() of an index already read (readShardIndex).
FlaxShards readFlaxShards(const ShardIndex &idx, const Progress &progress = {});

} // namespace ckpt::hf
