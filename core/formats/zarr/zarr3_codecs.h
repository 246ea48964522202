#pragma once

#include "tree/dtype.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt::zarr {

struct V3CodecChain;

/// `sharding_indexed` configuration: a shard is a grid of inner chunks plus an index of
/// (offset, nbytes) uint64 pairs; 2^64-1 in both marks a missing inner chunk.
struct V3Sharding {
    std::vector<uint64_t> chunkShape; ///< inner chunk shape
    std::shared_ptr<const V3CodecChain> inner; ///< codecs of each inner chunk
    bool indexAtEnd = true; ///< "index_location" (default "end")
    bool indexBigEndian = false; ///< index "bytes" codec endian
    bool indexCrc32c = false; ///< index followed by a crc32c of it
};

/// A parsed zarr v3 "codecs" list: array->array codecs, one array->bytes codec, bytes->bytes codecs.
struct V3CodecChain {
    std::vector<std::vector<size_t>> transposes; ///< "transpose" orders, in encode order
    bool bigEndian = false; ///< "bytes" endian
    std::shared_ptr<const V3Sharding> sharding; ///< set when the array->bytes codec is sharding_indexed
    std::vector<nlohmann::json> bytesCodecs; ///< zstd / gzip / blosc / crc32c, in encode order
};

/// Parses a "codecs" list for chunks of `chunkShape`. Throws Exception{Unsupported} for unknown
/// codecs and {Corrupt} for malformed ones (bad transpose order, inner chunks that do not tile).
V3CodecChain parseV3Codecs(
    const nlohmann::json &codecs, const std::vector<uint64_t> &chunkShape, DType dtype, const std::string &file);

/// Decodes one stored chunk of `shape` into canonical C-order little-endian bytes. Missing inner
/// chunks of a shard read as `fill`. Throws Exception{Corrupt} naming `name` and `baseOffset`.
std::vector<std::byte> decodeV3Chunk(const V3CodecChain &chain, std::span<const std::byte> encoded,
    const std::vector<uint64_t> &shape, DType dtype, const std::vector<std::byte> &fill, const std::string &name,
    uint64_t baseOffset);

} // namespace ckpt::zarr
