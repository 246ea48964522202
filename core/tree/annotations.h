#pragma once

namespace ckpt {

/// Names of the leaf annotations (Node::withAnnotation) that readers set: shown in the GUI's
/// details and printed by `ckpt info`. Stable: the GUI and tests look them up by these names.
inline constexpr const char *kAnnotStorage = "storage"; ///< "ocdbt zarr2 b.c", "msgpack <file>", ...
inline constexpr const char *kAnnotChunks = "chunks"; ///< storage chunk shape, "(8,)"
inline constexpr const char *kAnnotSharding = "sharding"; ///< Orbax `_sharding` JSON text
inline constexpr const char *kAnnotWriteShape = "write_shape"; ///< from Orbax array_metadatas
inline constexpr const char *kAnnotChunkShape = "chunk_shape"; ///< from Orbax array_metadatas
inline constexpr const char *kAnnotValueType = "value_type"; ///< Orbax `_METADATA` value_type

} // namespace ckpt
