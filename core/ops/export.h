#pragma once

#include "base/progress.h"
#include "formats/orbax/pytree_writer.h"
#include "formats/safetensors/safetensors_writer.h"
#include "tree/node.h"

#include <optional>
#include <string>

namespace ckpt {

enum class ExportFormat { Orbax, FlaxMsgpack, Hdf5, Safetensors };

/// "orbax", "flax-msgpack", "hdf5", "safetensors" (the CLI's --to names); nullopt for anything else.
std::optional<ExportFormat> exportFormatFromName(const std::string &name);

struct ExportOptions {
    ExportFormat format = ExportFormat::Orbax;
    orbax::PyTreeWriteOptions orbax; ///< zarr3, OCDBT, chunking
    bool hdf5Widen = false; ///< HDF5: store bfloat16/float8/... as float32 instead of raw bits
    /// safetensors: a destination ending in `.safetensors` is one file; any other is a folder in
    /// Hugging Face's layout (one file or shards plus index, safetensors_writer.h).
    safetensors::WriteOptions safetensors;
    /// Add the result as step `asStep` of the run at the destination: Orbax writes
    /// `<dst>/<step dir>/<item>/` of a CheckpointManager root, Flax writes `<dst>/checkpoint_<step>`.
    std::optional<std::string> asStep;
    bool force = false; ///< replace an existing destination
    /// Paths the export reads from; a destination that is, contains or lies inside one of them is
    /// refused so the source is never modified.
    std::vector<std::string> sourcePaths;
    /// Where the output will live when that is not the destination written (a staged export that
    /// is uploaded afterwards, export_remote.h): commit_success.txt records it, and `asStep` names
    /// the step folder and its items after the run found there. Empty: the destination itself.
    std::string finalLocation;
};

/// Messages of InvalidArgument errors of exportTree() about ExportOptions. They say what is wrong;
/// callers add how to fix it (the CLI names --force and --as-step).
inline constexpr const char *kStepFolderExists = "step folder exists"; ///< asStep, force false
inline constexpr const char *kAsStepEmpty = "the step to add the export as is empty; it needs a step number";
inline constexpr const char *kAsStepHdf5
    = "an HDF5 export cannot be added as a step of a run; only Orbax and Flax exports can";
inline constexpr const char *kAsStepSafetensors
    = "a safetensors export cannot be added as a step of a run; only Orbax and Flax exports can";

struct ExportResult {
    std::string path; ///< what was created: the file, item folder or step folder
    std::string item; ///< item name for Orbax --as-step, else empty
    std::vector<std::string> warnings = {}; ///< what the export left out or converted (safetensors)
};

/// Writes `root` to `dst` in the chosen format; `dst` may be a gs:// or s3:// URL (exportToStorage()
/// in export_remote.h). For local destinations, all output goes to a temporary sibling
/// (`.<name>.ckpt-tmp-<pid>-<n>`, or `<step>.orbax-checkpoint-tmp-ckpt<pid>` inside a run), every file
/// and folder is fsynced, then it is renamed into place, so a crash or kill leaves no destination.
/// An existing destination is refused with Exception{InvalidArgument} unless options.force (then it
/// is replaced after the new one is complete). Unwritable folders and full disks give Exception{Io};
/// the temporary sibling is removed on every error. Array bytes stream from their sources.
ExportResult exportTree(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress = {});

/// Directory name for step `step` in the CheckpointManager root `root`, following the naming of the
/// steps already there (`<prefix>_` and zero padding); plain `step` when there are none.
std::string managerStepDirName(const std::string &root, const std::string &step);

/// Item name(s) a new step of `root` should use: the items of the newest existing step when the
/// tree's top-level keys match them (several items), else that step's single item name, else "default".
std::vector<std::string> managerItemNames(const std::string &root, const NodePtr &tree);

} // namespace ckpt
