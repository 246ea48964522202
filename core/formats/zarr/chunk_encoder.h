#pragma once

#include "io/kvstore/value_store.h"
#include "tree/array_source.h"

#include <functional>

namespace ckpt::zarr {

/// How one chunk is encoded: zarr v2 (a zstd frame, level 1, or raw bytes) or zarr v3
/// (`sharding_indexed` shard holding one inner chunk: zstd level 3 frame or raw bytes, then the
/// 16-byte index {offset 0, nbytes} and its crc32c).
struct ChunkEncoding {
    bool zarr3 = false;
    bool compress = true;
    uint64_t pieceBytes = 16u << 20; ///< bytes read from the source at a time
};

/// Streams the chunk `box` of `source` into the current value of `store` (between begin and
/// finish). `onBytes(n)` is told about every n source bytes consumed (progress). Memory: one
/// piece plus the zstd window.
void encodeChunk(const ArraySource &source, const Slab &box, const ChunkEncoding &encoding, ValueStore &store,
    const Progress &progress, const std::function<void(uint64_t)> &onBytes);

} // namespace ckpt::zarr
