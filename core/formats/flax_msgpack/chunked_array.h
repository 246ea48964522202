#pragma once

#include "tree/node.h"

namespace ckpt::flaxmsgpack {

/// Key that marks a map as a chunked array (flax.serialization): on-disk constant, never change.
inline constexpr const char *kChunkedMarker = "__msgpack_chunked_array__";

/// Flax splits arrays above this many bytes (flax.serialization.MAX_CHUNK_SIZE = 2**30).
inline constexpr uint64_t kFlaxMaxChunkBytes = uint64_t(1) << 30;

/// Turns a parsed `{"__msgpack_chunked_array__": true, "shape": {...}, "chunks": {...}}` dict into
/// one Array leaf whose source reads the pieces in order. Throws Exception{Corrupt} on a malformed map.
NodePtr assembleChunkedArray(const Node &dict);

} // namespace ckpt::flaxmsgpack
