#pragma once

#include "base/progress.h"
#include "formats/orbax/zarr_layout.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ckpt::orbax {

/// Handler class names Orbax records in `_CHECKPOINT_METADATA.item_handlers`; part of the Orbax
/// format (restore without arguments instantiates them), never change them.
inline constexpr const char *kPyTreeHandlerName
    = "orbax.checkpoint._src.handlers.pytree_checkpoint_handler.PyTreeCheckpointHandler";
inline constexpr const char *kStandardHandlerName
    = "orbax.checkpoint._src.handlers.standard_checkpoint_handler.StandardCheckpointHandler";

/// Options of an Orbax PyTree item; the defaults are what Orbax 0.12.8 writes by default.
struct PyTreeWriteOptions {
    bool useOcdbt = true; ///< false: one zarr folder per array (`use_ocdbt=False`)
    bool useZarr3 = false;
    bool compress = true; ///< zstd (zarr2 level 1, zarr3 level 3)
    /// OCDBT target data file size: chunks above it are split (Orbax subchunking) and data files
    /// roll over at it. 0 = unlimited. Tests lower it.
    uint64_t targetDataFileBytes = kOrbaxTargetDataFileBytes;
    uint64_t pieceBytes = 16u << 20; ///< bytes read from a source at a time (memory bound)
};

/// Writes an Orbax PyTree item for `root` into the existing empty folder `dir`: `_METADATA`,
/// `_sharding` and `array_metadatas/process_0` (array leaves are recorded as single-device
/// `jax.Array`s on cpu:0), `_strings.json`, then the arrays as zarr (in one OCDBT database at `dir`,
/// or one folder per array). Leaf mapping: array -> jax.Array, Python scalar -> `scalar` rank-0 array
/// (int64 / uint64 / float64 / bool / complex128), string -> `_strings.json`, none / empty dict /
/// empty list -> `None` / `Dict` / `List` entries. Bytes leaves and param-name clashes throw
/// Exception{Unsupported} / {InvalidArgument}. Every file is fsynced; folder syncing and the commit
/// files (`_CHECKPOINT_METADATA`, `commit_success.txt`) are the caller's job. Array bytes stream
/// from their sources. Progress reports array bytes.
void writePyTreeItem(
    const NodePtr &root, const std::string &dir, const PyTreeWriteOptions &options = {}, const Progress &progress = {});

/// `_CHECKPOINT_METADATA` text as Orbax writes it: `itemHandlers` is a handler name (single item at
/// the checkpoint folder) or an object item -> handler name (CheckpointManager steps).
std::string checkpointMetadataText(const nlohmann::ordered_json &itemHandlers, int64_t initNs, int64_t commitNs);

/// Text of `commit_success.txt` for a checkpoint committed at `path` (content is informative only).
std::string commitSuccessText(const std::string &path);

} // namespace ckpt::orbax
