#pragma once

#include "formats/zarr/zarr3_codecs.h"
#include "io/kvstore/kvstore.h"
#include "tree/array_source.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ckpt::zarr {

/// The parts of a zarr v3 `zarr.json` (node_type "array") that decoding needs.
struct V3Metadata {
    std::vector<uint64_t> shape;
    std::vector<uint64_t> chunkShape; ///< regular chunk grid (= shard shape when sharded)
    DType dtype = DType::Float32;
    bool v2KeyEncoding = false; ///< chunk_key_encoding "v2": "0.1"; "default": "c/0/1"
    char separator = '/';
    std::vector<std::byte> fill; ///< one canonical element
    V3CodecChain codecs;
    std::string codecsText; ///< the "codecs" list as compact JSON (identifies the encoding)
};

/// Parses `zarr.json` text of an array. Throws Exception{Corrupt} for malformed documents,
/// {NotACheckpoint} for groups and {Unsupported} for features not implemented.
V3Metadata parseV3Metadata(std::string_view text, const std::string &file);

/// True when a `zarr.json` document describes a group rather than an array (cheap check).
bool isV3Group(std::string_view text);

/// Opens the zarr v3 array whose `zarr.json` is at `joinKey(arrayPath, "zarr.json")`.
/// With `cache`, metadata text seen before is not parsed again (see openV2Array).
ArraySourcePtr openV3Array(const KvStorePtr &store, const std::string &arrayPath,
    std::unordered_map<std::string, V3Metadata> *cache = nullptr);

/// Opens the zarr array at `arrayPath`, v2 (`.zarray`) or v3 (`zarr.json`), whichever exists.
/// Throws Exception{MissingData} when neither does.
ArraySourcePtr openZarrArray(const KvStorePtr &store, const std::string &arrayPath);

/// Reads a small metadata value of `store` as text; nullopt when the key is absent.
std::optional<std::string> readSmallValue(const KvStore &store, const std::string &key, uint64_t maxBytes = 16u << 20);

} // namespace ckpt::zarr
