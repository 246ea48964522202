#pragma once

#include "io/kvstore/ocdbt_data_file_table.h"
#include "io/kvstore/ocdbt_version_tree.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Database configuration stored at the start of every manifest (docs/formats.md §4.3).
struct OcdbtConfig {
    /// manifest_kind values; on-disk constants, never change them.
    enum ManifestKind : uint8_t { Single = 0, Numbered = 1 };

    std::array<uint8_t, 16> uuid{};
    uint8_t manifestKind = Single;
    uint32_t maxInlineValueBytes = 1024;
    uint32_t maxDecodedNodeBytes = 100000000;
    uint8_t versionTreeArityLog2 = 4;
    bool zstd = true; ///< compression_method 1 (zstd) or 0 (none)
    int32_t zstdLevel = 0;
};

/// A decoded manifest. For a config-only manifest (kind Numbered in `manifest.ocdbt`) only
/// `config` is set. Otherwise `versions` holds the newest generations (the last is the current
/// one) and `versionNodes` the older ones, highest node first.
struct OcdbtManifest {
    OcdbtConfig config;
    std::vector<OcdbtDataFile> dataFiles; ///< the manifest's table; transitive path ""
    std::vector<OcdbtVersion> versions;
    std::vector<OcdbtVersionNodeRef> versionNodes;
};

/// Decodes a whole manifest file. Throws Exception{Corrupt} naming `file` and the byte offset.
OcdbtManifest decodeOcdbtManifest(std::span<const std::byte> encoded, const std::string &file);

/// Encodes a manifest. With config.manifestKind == Numbered and no versions, a config-only
/// manifest; otherwise a full one. `dataFiles` must be sorted and cover every reference.
std::vector<std::byte> encodeOcdbtManifest(const OcdbtManifest &manifest);

/// Manifest bodies are small; anything decoding to more than this is refused.
inline constexpr uint64_t kOcdbtMaxManifestBodyBytes = 64u << 20;

} // namespace ckpt
