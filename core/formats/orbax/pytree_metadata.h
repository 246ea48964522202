#pragma once

#include "tree/key.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt::orbax {

/// `_METADATA` key_type values; part of the Orbax format, never change them.
inline constexpr int kKeyTypeSequence = 1;
inline constexpr int kKeyTypeDict = 2;

/// One leaf entry of `_METADATA` "tree_metadata".
struct TreeEntry {
    Path path; ///< from key_metadata: key_type 1 -> Key::index, 2 -> Key::name
    std::string valueType; ///< "jax.Array", "np.ndarray", "scalar", "string", "Dict", "None", ...
    bool skipDeserialize = false;
    std::optional<std::vector<uint64_t>> writeShape;
};

/// A parsed `_METADATA` document (docs/formats.md §2.3). Fields missing from old files are nullopt.
struct PyTreeMetadata {
    std::vector<TreeEntry> entries; ///< in file order
    std::optional<bool> useOcdbt;
    std::optional<bool> useZarr3;
    std::optional<bool> storeArrayDataEqualToFillValue;
    nlohmann::json customMetadata; ///< null when absent
};

/// Parses `_METADATA` text. Throws Exception{Corrupt} naming `file` for malformed documents.
PyTreeMetadata parsePyTreeMetadata(std::string_view text, const std::string &file);

/// Orbax's storage name of a leaf: its key names joined with "." (no escaping; "" for a bare leaf).
std::string paramName(const Path &path);

/// What a value_type means for reading.
enum class LeafStorage { Array, String, EmptyDict, EmptyList, None, Unknown };
LeafStorage leafStorage(const std::string &valueType);

/// `_sharding`: param name -> the sharding JSON text (keys are URL-safe base64 of the param name).
/// Entries whose key is not valid base64 are skipped. Throws Exception{Corrupt} for malformed JSON.
std::map<std::string, std::string> parseShardingFile(std::string_view text, const std::string &file);

/// One `array_metadatas/process_<i>` entry.
struct ArrayMetadata {
    std::vector<uint64_t> writeShape;
    std::vector<uint64_t> chunkShape;
};

/// Parses one `array_metadatas/process_<i>` document into param name -> shapes, merged into `out`.
void parseArrayMetadatas(std::string_view text, const std::string &file, std::map<std::string, ArrayMetadata> &out);

} // namespace ckpt::orbax
