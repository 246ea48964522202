#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <cstdint>
#include <string>

namespace ckpt::hdf5 {

struct WriteOptions {
    bool overwrite = false; ///< replace an existing destination file
    bool widen = false; ///< store bfloat16 / float8 / float6 / float4 as float32 (hdf5_layout.h)
    uint64_t compressMinBytes = 64u << 10; ///< arrays at least this big are chunked + shuffle + gzip
    uint64_t pieceBytes = 16u << 20; ///< bytes read from a source at a time (memory bound)
};

/// Writes `root` (a dict or list; anything else throws Exception{Unsupported}) as an HDF5 file in the
/// layout of hdf5_layout.h, atomically: a temporary sibling is written, fsynced and renamed over
/// `path`. An existing `path` is refused with Exception{InvalidArgument} unless options.overwrite;
/// write failures throw Exception{Io} and leave no output. Array bytes stream from their sources.
/// Progress reports array bytes. Serialised with every other HDF5 use in the process.
void writeFile(
    const NodePtr &root, const std::string &path, const WriteOptions &options = {}, const Progress &progress = {});

/// Link name of a key in the layout ("%" and "/" escaped, "" and "." replaced).
std::string linkNameForKey(const std::string &key);

} // namespace ckpt::hdf5
