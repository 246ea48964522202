#pragma once

#include "io/kvstore/ocdbt_data_file_table.h"
#include "io/kvstore/ocdbt_version_tree.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Format limits (TensorStore); never change them.
inline constexpr uint64_t kOcdbtMaxNodeEntries = 1024 * 1024;
inline constexpr uint64_t kOcdbtMaxInlineValueLength = 1024 * 1024;

/// A leaf entry: `key` is relative to the node's key prefix. The value is either inline bytes or
/// `ref` = [offset, offset+length) of a data file.
struct OcdbtLeafEntry {
    std::string key;
    bool outOfLine = false;
    OcdbtRef ref; ///< when outOfLine (ref.length is the value length)
    std::vector<std::byte> value; ///< when inline
};

/// An interior entry: `key` (relative to the node prefix) is the smallest key below `child`;
/// the child's keys are relative to nodePrefix + key[:subtreeCommonPrefixLength].
struct OcdbtInteriorEntry {
    std::string key;
    uint64_t subtreeCommonPrefixLength = 0;
    OcdbtRef child;
    uint64_t numKeys = 0;
    uint64_t numTreeBytes = 0;
    uint64_t numIndirectValueBytes = 0;
};

/// A decoded B+tree node (docs/formats.md §4.6). Keys are strictly increasing.
struct OcdbtBtreeNode {
    uint8_t height = 0; ///< 0 = leaf
    std::vector<OcdbtDataFile> dataFiles;
    std::vector<OcdbtLeafEntry> leaves; ///< height 0
    std::vector<OcdbtInteriorEntry> children; ///< height > 0
};

/// Decodes a B+tree node whose envelope is `encoded` (at `offset` of `file`); `transitivePath` is
/// the base path of the file it was read from. Throws Exception{Corrupt}.
OcdbtBtreeNode decodeOcdbtBtreeNode(std::span<const std::byte> encoded, const std::string &transitivePath,
    uint64_t maxBodyBytes, const std::string &file, uint64_t offset);

/// Encodes a node. Keys must be strictly increasing and relative to the node's prefix;
/// `node.dataFiles` sorted by (basePath, relativePath).
std::vector<std::byte> encodeOcdbtBtreeNode(const OcdbtBtreeNode &node, bool compress, int zstdLevel = 0);

} // namespace ckpt
