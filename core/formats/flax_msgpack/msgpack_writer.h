#pragma once

#include "base/progress.h"
#include "formats/flax_msgpack/chunked_array.h"
#include "tree/node.h"

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ckpt::flaxmsgpack {

struct WriteOptions {
    /// true: Lists are written as maps keyed "0", "1", ... (Flax state dicts, `to_bytes`);
    /// false: as msgpack arrays (Orbax aggregate files, `msgpack_serialize` of raw lists).
    bool listsAsMaps = true;
    /// Arrays above this many bytes that sit in a dict (or are the whole tree) are split like
    /// flax.serialization._chunk. Flax's value is 2**30; tests lower it.
    uint64_t maxChunkBytes = kFlaxMaxChunkBytes;
    bool overwrite = false; ///< replace an existing destination file
};

/// Writes the bytes `flax.serialization.msgpack_serialize` produces for the same state dict:
/// ints in their smallest form, floats as float64, str/bin as Python packs them, arrays as ext 1
/// (ext 3 for NumPy scalars read from ext 3), complex as ext 2, big arrays chunked.
/// Array bytes stream from their sources; `sink` receives consecutive pieces of the output.
void serialize(const NodePtr &root, const std::function<void(std::span<const std::byte>)> &sink,
    const WriteOptions &options = {}, const Progress &progress = {});

/// serialize() into memory (small trees and tests).
std::vector<std::byte> serializeToBytes(const NodePtr &root, const WriteOptions &options = {});

/// serialize() into `path` atomically (temporary sibling, fsync, rename).
void writeFile(
    const NodePtr &root, const std::string &path, const WriteOptions &options = {}, const Progress &progress = {});

} // namespace ckpt::flaxmsgpack
