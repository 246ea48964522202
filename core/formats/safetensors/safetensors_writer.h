#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt::safetensors {

/// Hugging Face's default shard size (huggingface_hub's "5GB": decimal units).
inline constexpr uint64_t kDefaultMaxShardBytes = 5'000'000'000;

/// Names of the files a folder export writes (huggingface_hub's layout).
inline constexpr const char *kSingleFileName = "model.safetensors";
inline constexpr const char *kIndexFileName = "model.safetensors.index.json";

/// `5GB`, `500MB`, `2GiB`, `1000`: huggingface_hub's size strings (KB/MB/GB/TB decimal, KiB/MiB/
/// GiB/TiB binary, case-insensitive); nullopt unless a whole number above zero that fits 64 bits.
std::optional<uint64_t> parseSize(std::string_view text);

struct WriteOptions {
    /// Joins tree paths into tensor names (`params/dense/kernel` -> `params.dense.kernel`).
    std::string nameSeparator = ".";
    /// A folder export starts a new shard before a tensor that would take the current one past this
    /// many bytes (a larger tensor gets a shard of its own), as huggingface_hub shards.
    uint64_t maxShardBytes = kDefaultMaxShardBytes;
    /// `__metadata__` of every file.
    std::map<std::string, std::string> metadata = {{"format", "pt"}};
    /// Store dtypes safetensors has no name for in the nearest wider one that holds every value
    /// exactly: int4/int2 as I8, uint4/uint2 as U8, float8_e4m3 / float8_e3m4 / float8_e4m3b11fnuz
    /// as F16. Without it such leaves are refused. complex128 is always refused.
    bool widen = false;
    /// Worker threads streaming tensors into place; 0: the machine's cores, at most 8.
    unsigned threads = 0;
};

/// What a write did, for the caller to report.
struct WriteSummary {
    std::vector<std::string> files; ///< the safetensors files written (and the index, last)
    uint64_t tensors = 0;
    uint64_t tensorBytes = 0;
    std::vector<std::string> warnings; ///< leaves left out or converted, names that may not round-trip
};

/// Writes every array leaf of `root` (and every numeric Python scalar, as a 0-d I64/U64/F64/BOOL
/// tensor) into one safetensors file at `path`, atomically (temporary sibling, fsync, rename).
/// None leaves and empty containers carry no tensor and are left out with a warning. String and
/// bytes leaves, complex scalars and dtypes safetensors cannot hold are refused with
/// Exception{Unsupported} naming every such leaf; two paths that join to one name are
/// Exception{Mismatch}. Array bytes stream from their sources in pieces on `threads` workers, so
/// memory stays bounded whatever the size. An existing `path` is replaced only when `overwrite`.
WriteSummary writeFile(const NodePtr &root, const std::string &path, const WriteOptions &options, bool overwrite,
    const Progress &progress = {});

/// Writes the same tensors into the existing empty folder `dir`: `model.safetensors` when they fit
/// in one shard, else `model-0000N-of-0000M.safetensors` plus `model.safetensors.index.json`
/// (`{"metadata": {"total_size": N}, "weight_map": {...}}`). Files are fsynced; making the folder
/// appear atomically is the caller's job (ops/export.cpp).
WriteSummary writeFolder(
    const NodePtr &root, const std::string &dir, const WriteOptions &options, const Progress &progress = {});

} // namespace ckpt::safetensors
