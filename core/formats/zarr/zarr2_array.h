#pragma once

#include "formats/zarr/zarr_dtype.h"
#include "io/kvstore/kvstore.h"
#include "tree/array_source.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ckpt::zarr {

/// The parts of a zarr v2 `.zarray` document that decoding needs.
struct V2Metadata {
    std::vector<uint64_t> shape;
    std::vector<uint64_t> chunks;
    StoredType type;
    bool fortranOrder = false; ///< "order": "F"
    nlohmann::json compressor; ///< null or {"id": "zstd"|"zlib"|"gzip"|"blosc", ...}
    std::vector<std::byte> fill; ///< one canonical element
    char separator = '.'; ///< "dimension_separator"
};

/// Parses `.zarray` text. Throws Exception{Corrupt} for malformed JSON or fields and
/// {Unsupported} for filters, object dtypes or unknown compressors; `file` names the document.
V2Metadata parseV2Metadata(std::string_view text, const std::string &file);

/// Decompresses one zarr v2 chunk with `compressor` (null, zstd, zlib, gzip, blosc) into at most
/// `expected` bytes. Throws Exception{Corrupt} naming `name`/`baseOffset` on damage.
std::vector<std::byte> decompressV2(const nlohmann::json &compressor, std::span<const std::byte> input,
    uint64_t expected, const std::string &name, uint64_t baseOffset);

/// Key of `name` inside the array at `arrayPath` ("" = store root): "a/b/.zarray" or ".zarray".
std::string joinKey(const std::string &arrayPath, const std::string &name);

/// Opens the zarr v2 array whose `.zarray` is at `joinKey(arrayPath, ".zarray")` in `store`.
/// Reads only the metadata now; chunks are decoded on demand (missing chunks read as the fill value).
/// Throws Exception{MissingData} when `.zarray` is absent.
/// With `cache`, metadata text seen before is not parsed again (checkpoints hold many arrays with
/// identical `.zarray` documents); only successfully parsed texts are cached.
ArraySourcePtr openV2Array(const KvStorePtr &store, const std::string &arrayPath,
    std::unordered_map<std::string, V2Metadata> *cache = nullptr);

/// Like openV2Array but from already parsed metadata.
ArraySourcePtr makeV2Array(const KvStorePtr &store, const std::string &arrayPath, V2Metadata meta);

} // namespace ckpt::zarr
