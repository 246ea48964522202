#pragma once

#include "formats/hf/shard_index.h"
#include "io/random_access.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace ckpt::safetensors {

/// Name of the annotation holding the tensor's safetensors dtype name ("BF16", "F4", ...).
inline constexpr const char *kAnnotSafetensorsDType = "safetensors_dtype";

struct ReadOptions {
    /// Tensor names are split on this into tree paths (`model.layers.0.weight` ->
    /// model/layers/0/weight); empty keeps every name as one key of a flat dict.
    std::string nameSeparator = ".";
};

/// What a safetensors file or a sharded set opens as.
struct Tensors {
    NodePtr root;
    std::map<std::string, std::string> metadata; ///< `__metadata__` (of the first shard)
    nlohmann::json indexMetadata = nlohmann::json::object(); ///< the shard index's `metadata`
    std::vector<std::string> files; ///< the safetensors files read
    std::vector<std::string> warnings;
};

/// True when `path` is a regular file that starts like a safetensors file.
bool isSafetensorsFile(const std::string &path);
/// True when `path` ends in `.safetensors` (such a file is read as safetensors even when damaged,
/// so the damage is reported as such).
bool hasSafetensorsName(const std::string &path);

/// Opens one `.safetensors` file lazily: only the header is read; every tensor is an Array leaf
/// reading its bytes on demand. Leaves are in natural order of their names. When splitting names
/// makes one name both a leaf and a container (`a` and `a.b`), the names stay flat and a warning
/// says so. Throws Exception like readHeader().
Tensors readFile(const std::string &path, const ReadOptions &options = {});

/// readFile() of bytes from any source (its name() stands for the file in messages).
Tensors readTensors(const RandomAccessPtr &src, const ReadOptions &options = {});

/// Opens `model.safetensors.index.json` and the shards it names as one tree. A shard that is
/// missing is Exception{MissingData} naming it; a weight_map entry its shard does not hold is
/// {MissingData} naming both; tensors a shard holds beyond the index are kept with a warning.
Tensors readIndex(const std::string &indexPath, const ReadOptions &options = {});
/// readIndex() of an index already read (hf::readShardIndex).
Tensors readIndex(const hf::ShardIndex &idx, const ReadOptions &options = {});

/// Builds the tree of `named` leaves (name -> node) as readFile() does. Shared with the sharded
/// Flax msgpack reader.
NodePtr treeFromNames(std::vector<std::pair<std::string, NodePtr>> named, const std::string &separator,
    const std::string &file, std::vector<std::string> &warnings);

} // namespace ckpt::safetensors
