#pragma once

#include "io/kvstore/ocdbt_data_file_table.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

class ByteReader;

/// Where an encoded node or value lives: [offset, offset+length) of dataFiles[fileId] of the
/// table it was read with. A version with an empty tree has offset == length == 2^64-1.
struct OcdbtRef {
    uint64_t fileId = 0;
    uint64_t offset = 0;
    uint64_t length = 0;
    bool missing() const { return offset == UINT64_MAX && length == UINT64_MAX; }
};

/// One version (generation) of the database: the root of its B+tree and statistics.
struct OcdbtVersion {
    uint64_t generation = 0;
    uint8_t rootHeight = 0;
    OcdbtRef root;
    uint64_t numKeys = 0;
    uint64_t numTreeBytes = 0;
    uint64_t numIndirectValueBytes = 0;
    uint64_t commitTimeNs = 0; ///< nanoseconds since the Unix epoch
};

/// Reference to a version tree node: `generation` is the newest generation below it.
struct OcdbtVersionNodeRef {
    uint64_t generation = 0;
    OcdbtRef location;
    uint64_t numGenerations = 0;
    uint64_t commitTimeNs = 0;
    uint8_t height = 0; ///< height of the referenced node (stored only in manifests; else parent height - 1)
};

/// A decoded version tree node (docs/formats.md §4.5). Leaf nodes (height 0) hold `versions`,
/// interior nodes `children`.
struct OcdbtVersionNode {
    uint8_t arityLog2 = 0;
    uint8_t height = 0;
    std::vector<OcdbtDataFile> dataFiles;
    std::vector<OcdbtVersion> versions;
    std::vector<OcdbtVersionNodeRef> children;
};

/// Highest version tree height for an arity: 63 / arityLog2 - 1.
inline unsigned ocdbtMaxVersionTreeHeight(unsigned arityLog2)
{
    return 63 / arityLog2 - 1;
}

/// Reads a version leaf-entry array (column-major). Ids are checked against `numDataFiles`,
/// generations must be >= 1 and strictly increasing, the count 1..maxEntries.
std::vector<OcdbtVersion> readOcdbtVersionEntries(ByteReader &r, size_t numDataFiles, uint64_t maxEntries);
/// Reads an interior version entry array; `withHeight` adds the manifest's entry_height column.
std::vector<OcdbtVersionNodeRef> readOcdbtVersionNodeRefs(
    ByteReader &r, size_t numDataFiles, uint64_t maxEntries, bool withHeight);
void writeOcdbtVersionEntries(std::vector<std::byte> &out, const std::vector<OcdbtVersion> &versions);
void writeOcdbtVersionNodeRefs(
    std::vector<std::byte> &out, const std::vector<OcdbtVersionNodeRef> &refs, bool withHeight);

/// Decodes a version tree node stored at `offset` of `file` (its whole envelope in `encoded`);
/// `transitivePath` is the base path of the data file it came from. Throws Exception{Corrupt}.
OcdbtVersionNode decodeOcdbtVersionNode(std::span<const std::byte> encoded, const std::string &transitivePath,
    uint64_t maxBodyBytes, const std::string &file, uint64_t offset);
/// Encodes a version tree node (zstd body when `compress`). `node.dataFiles` must be sorted.
std::vector<std::byte> encodeOcdbtVersionNode(const OcdbtVersionNode &node, bool compress);

} // namespace ckpt
