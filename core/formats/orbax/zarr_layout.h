#pragma once

#include "tree/array_info.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt::orbax {

/// Orbax's default OCDBT `target_data_file_size` on local disks (2 GiB): a chunk larger than this is
/// split, and a data file is closed once it reaches it. Matches Orbax 0.12.8; never change it silently.
inline constexpr uint64_t kOrbaxTargetDataFileBytes = uint64_t(1) << 31;

/// Orbax's `subchunking.choose_chunk_shape` for a single-device array (write shape == shape):
/// zero dimensions become 1; without `targetBytes` the chunk is the whole array; otherwise the
/// largest dimension is repeatedly cut to its next smaller divisor until the chunk holds at most
/// targetBytes / itemsize elements.
std::vector<uint64_t> chooseChunkShape(
    const std::vector<uint64_t> &shape, size_t itemsize, std::optional<uint64_t> targetBytes);

/// Orbax's chunk byte limit for an array of `bytes` bytes: the OCDBT target data file size when
/// the array exceeds it (OCDBT only), else none (`calculate_chunk_byte_size`).
std::optional<uint64_t> chunkByteLimit(uint64_t bytes, bool ocdbt, uint64_t targetDataFileBytes);

/// zarr v2 dtype string TensorStore writes: `<f4`, `|b1`, `bfloat16`, `int4`, ...
std::string zarr2DTypeName(DType t);

/// `.zarray` document TensorStore writes for Orbax (zstd level 1, or no compressor).
nlohmann::json zarr2Metadata(const ArrayInfo &info, const std::vector<uint64_t> &chunks, bool compress);

/// `zarr.json` document TensorStore writes for Orbax's zarr3 arrays: one `sharding_indexed` shard
/// per chunk, inner chunk == shard, inner codecs bytes + zstd level 3, index bytes + crc32c at the end.
nlohmann::json zarr3Metadata(const ArrayInfo &info, const std::vector<uint64_t> &chunks, bool compress);

/// Storage key of chunk `index` under `param` ("" for a bare leaf): zarr2 `p/0.1` (rank 0: `p/0`),
/// zarr3 `p/c/0/1` (rank 0: `p/c`).
std::string chunkKey(const std::string &param, const std::vector<uint64_t> &index, bool zarr3);

/// `param/name`, or `name` when param is empty.
std::string joinParamKey(const std::string &param, const std::string &name);

} // namespace ckpt::orbax
