#pragma once

#include "io/random_access.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// A value already stored in a file of the target database (e.g. `ocdbt.process_0/d/<hex>`):
/// the new tree refers to it instead of copying the bytes.
struct OcdbtExistingValue {
    std::string relativePath; ///< relative to the database directory; no "..", not absolute
    uint64_t offset = 0;
    uint64_t length = 0;
};

/// One key to write: either `value` bytes (inline or copied to a new data file) or `existing`.
struct OcdbtWriteEntry {
    std::string key;
    RandomAccessPtr value;
    std::optional<OcdbtExistingValue> existing;
};

/// Knobs of writeOcdbtDatabase; the defaults are what Orbax/TensorStore write (docs/formats.md §2.10, §4.8).
struct OcdbtWriteOptions {
    uint32_t maxInlineValueBytes = 1024;
    uint32_t maxDecodedNodeBytes = 100000000;
    uint8_t versionTreeArityLog2 = 4;
    bool compress = true; ///< zstd bodies (level zstdLevel) for nodes and manifest
    int32_t zstdLevel = 0;
    uint64_t commitTimeNs = 0; ///< 0 = now
    /// Entries per B+tree node. The default puts everything in one leaf (as §4.8); smaller values
    /// build a multi-level tree (all nodes in one node file).
    size_t maxNodeEntries = 1024 * 1024;
    /// Write a config-only `manifest.ocdbt` plus `manifest.0000000000000001` (manifest_kind numbered).
    bool numberedManifest = false;
    std::optional<std::array<uint8_t, 16>> uuid; ///< random when unset
};

/// Writes a new single-generation OCDBT database into `dir` (docs/formats.md §4.8): keys sorted bytewise,
/// values up to maxInlineValueBytes inline, larger ones appended to one `d/<32 hex>` data file,
/// nodes in another `d/<32 hex>` file, then the manifest via a temporary file and rename (so a
/// reader never sees a half-written manifest). `dir` is created if needed; an existing
/// `manifest.ocdbt` is refused (Exception{InvalidArgument}), as are empty or repeated keys.
/// Throws Exception{Io} when writing fails. Not thread-safe for the same `dir`.
void writeOcdbtDatabase(
    const std::string &dir, std::vector<OcdbtWriteEntry> entries, const OcdbtWriteOptions &options = {});

/// 32 lowercase hex digits of 16 random bytes, as TensorStore names data files.
std::string randomOcdbtFileName();

} // namespace ckpt
