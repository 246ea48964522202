#pragma once

#include "tree/node.h"

#include <string>
#include <vector>

namespace ckpt {

/// What a path is, as far as openCheckpoint is concerned.
enum class LayoutKind {
    NotRecognised,
    FlaxFile, ///< one msgpack file (flax.serialization / legacy flax.training.checkpoints)
    Item, ///< one Orbax PyTree item directory (also a "direct" checkpoint)
    CompositeStep, ///< a step folder whose sub-folders are items (state/, metadata/, default/, ...)
    Run, ///< a CheckpointManager root or a legacy `checkpoint_<step>` folder
    ZarrHierarchy, ///< raw TensorStore zarr arrays without Orbax metadata
    SafetensorsFile, ///< one `.safetensors` file
    ShardIndex, ///< a Hugging Face shard index (`model.safetensors.index.json`, `flax_model.msgpack.index.json`)
    HfModelFolder, ///< a Hugging Face model folder holding one of the above or `flax_model.msgpack`
};

/// Stable lower-case name: "flax_file", "item", "composite_step", "run", "zarr_hierarchy",
/// "safetensors_file", "shard_index", "hf_model_folder", "unknown".
const char *layoutKindName(LayoutKind k);

/// Classifies `path` by looking at names and a few small files; opens no arrays.
LayoutKind detectLayout(const std::string &path);

/// True when `path` is a regular file that starts like a msgpack map or array.
bool isFlaxMsgpackFile(const std::string &path);

/// The weights file a Hugging Face model folder `dir` opens as: `model.safetensors.index.json`, else
/// `model.safetensors`, else `flax_model.msgpack.index.json`, else `flax_model.msgpack`; empty when
/// it holds none of them.
std::string hfModelFile(const std::string &dir);

/// True when `dir` carries Orbax item evidence: `_METADATA`, `manifest.ocdbt`, `ocdbt.process_<i>/`
/// or an aggregate `checkpoint` msgpack file. The one test of "is this an Orbax PyTree item?".
/// Zarr arrays one level down are not evidence on their own (a raw TensorStore hierarchy has them
/// too): detectLayout() and listStepItems() take such a folder as an item only after every other
/// layout has been ruled out.
bool isOrbaxItemDir(const std::string &dir);

/// True when `dir` is a JSON item: it holds exactly one regular file, no folders, and that file is
/// a JSON document (as JsonSave / JsonCheckpointHandler / JsonHandler write).
bool isJsonItem(const std::string &dir);

/// Parses the JSON item in `dir` into a tree: objects -> dicts, arrays -> lists, numbers -> scalars,
/// strings -> strings, null -> none. Throws Exception{Corrupt} for malformed JSON.
NodePtr readJsonItem(const std::string &dir);

/// Names of the item folders of a composite step (PyTree and JSON items), sorted; folders being
/// written (`.orbax-checkpoint-tmp`) and others (e.g. `descriptor/`) are left out.
std::vector<std::string> listStepItems(const std::string &stepDir);

} // namespace ckpt
