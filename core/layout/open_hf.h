#pragma once

#include "layout/checkpoint.h"

namespace ckpt {

/// Opens a `.safetensors` file (openCheckpoint's file branch).
Checkpoint openSafetensorsFile(const std::string &path, const OpenOptions &options);

/// Opens a Hugging Face shard index: safetensors shards or Flax msgpack shards, told apart by the
/// shard files' names (docs/formats.md, "Hugging Face shard indexes").
Checkpoint openShardIndex(const std::string &path, const OpenOptions &options, const Progress &progress);

/// Opens the weights of a Hugging Face model folder (layout_detect.h, hfModelFile), noting in the
/// warnings the other weight files it holds.
Checkpoint openHfModelFolder(const std::string &dir, const OpenOptions &options, const Progress &progress);

} // namespace ckpt
